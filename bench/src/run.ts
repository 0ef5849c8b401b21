/**
 * Runs every `*.bench.js` in this folder (or those named on the command line:
 * `pnpm bench core ratelimit`), each printing tables and writing results/<name>.json.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.slice(0, -'.bench.js'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (suites.length === 0) {
  console.error(`no benchmark suite matches ${wanted.join(', ')}`);
  process.exit(1);
}

for (const suite of suites) {
  console.log(`\n# suite: ${suite}`);
  const mod = (await import(pathToFileURL(join(here, `${suite}.bench.js`)).href)) as {
    default: () => Promise<void>;
  };
  await mod.default();
}
process.exit(0);
