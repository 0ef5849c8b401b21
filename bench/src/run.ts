/**
 * Runs every `*.bench.js` in this folder (or those named on the command line:
 * `pnpm bench core ratelimit`), each printing tables and writing
 * bench/.results/latest/<name>.json (ignored by git).
 *
 * Options:
 *   --repeat N        run each suite N times; figures are medians, and each figure's
 *                     spread over the runs is its noise band (default 1)
 *   --save NAME       keep the figures under bench/.results/saved/NAME/
 *   --compare NAME    print every figure's ratio to the baseline NAME (a local save, or a
 *                     committed one in bench/baselines/NAME/) and flag those beyond the band
 *   --strict          with --compare: exit 1 when a figure got worse beyond its band
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compare, loadBaseline, printComparison, saveBaseline, summarize } from './lib/baseline.js';
import { collected } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));

function parse(argv: readonly string[]) {
  const names: string[] = [];
  let repeat = 1;
  let save: string | undefined;
  let against: string | undefined;
  let strict = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--repeat') repeat = Number(value());
    else if (arg === '--save') save = value();
    else if (arg === '--compare') against = value();
    else if (arg === '--strict') strict = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error('--repeat takes a whole number >= 1');
  return { names, repeat, save, against, strict };
}

const options = parse(process.argv.slice(2));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.slice(0, -'.bench.js'.length))
  .filter((name) => options.names.length === 0 || options.names.includes(name))
  .sort();

if (suites.length === 0) {
  console.error(`no benchmark suite matches ${options.names.join(', ')}`);
  process.exit(1);
}

let worse = 0;
for (const suite of suites) {
  const mod = (await import(pathToFileURL(join(here, `${suite}.bench.js`)).href)) as {
    default: () => Promise<void>;
  };
  for (let round = 1; round <= options.repeat; round++) {
    console.log(
      `\n# suite: ${suite}${options.repeat > 1 ? ` (run ${round}/${options.repeat})` : ''}`,
    );
    await mod.default();
  }
  const runs = collected.get(suite) ?? [];
  if (options.save) {
    const file = saveBaseline(options.save, suite, runs);
    console.log(`\nsaved ${runs.length} run(s) of ${suite} as "${options.save}": ${file}`);
  }
  if (options.against) {
    const baseline = loadBaseline(options.against, suite);
    if (!baseline) {
      console.log(`\nno baseline "${options.against}" for ${suite}: nothing to compare`);
      continue;
    }
    worse += printComparison(suite, options.against, compare(baseline, summarize(runs)));
  }
}
process.exit(options.strict && worse > 0 ? 1 : 0);
