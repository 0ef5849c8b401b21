/**
 * Regression baselines: `--save <name>` keeps a run's figures (medians over `--repeat N`
 * runs, with each figure's spread across them), `--compare <name>` prints every figure's
 * ratio to the baseline and flags those beyond the noise band.
 *
 * Saved runs go to bench/.results/saved/<name>/ (ignored by git); committed baselines for
 * a machine class live in bench/baselines/<name>/ and are found by the same name.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, OUTPUT_DIR, type ScenarioResult } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Committed baselines, one folder per machine class. */
export const BASELINES_DIR = join(here, '..', '..', 'baselines');
/** The smallest band a figure is given: below it, differences are noise on any machine. */
export const NOISE_FLOOR = 0.05;

/** Which way a figure is better. */
export type Direction = 'higher' | 'lower' | 'neutral';

/** One figure of a suite, over the repeated runs. */
export interface Figure {
  readonly median: number;
  /** (max - min) / median over the repeated runs; 0 after a single run. */
  readonly spread: number;
  readonly better: Direction;
}

/** A saved suite run. */
export interface SavedSuite {
  readonly suite: string;
  readonly name: string;
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly repeats: number;
  readonly figures: Record<string, Figure>;
}

/** Which way a metric is better, from its name. */
export function direction(metric: string): Direction {
  if (/(ms|mb|bytes|calls|fallbacks|errors|evictions|misses)$/i.test(metric)) return 'lower';
  if (/(ops|persec|achieved|rate|hit|ratio|saved|x)$/i.test(metric)) return 'higher';
  return 'neutral';
}

/** Every number of a run as `scenario | row | metric` (ratios as `scenario | ratio | row`). */
export function flatten(results: readonly ScenarioResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const result of results) {
    for (const row of result.rows) {
      for (const [metric, value] of Object.entries(row)) {
        if (typeof value === 'number' && Number.isFinite(value)) {
          out.set(`${result.scenario} | ${row.name} | ${metric}`, value);
        }
      }
    }
    for (const [name, value] of Object.entries(result.ratios)) {
      if (Number.isFinite(value)) out.set(`${result.scenario} | ratio | ${name}`, value);
    }
  }
  return out;
}

/** Medians and spreads of every figure over repeated runs of one suite. */
export function summarize(runs: readonly (readonly ScenarioResult[])[]): Record<string, Figure> {
  const samples = new Map<string, number[]>();
  for (const run of runs) {
    for (const [key, value] of flatten(run)) {
      const list = samples.get(key) ?? [];
      list.push(value);
      samples.set(key, list);
    }
  }
  const figures: Record<string, Figure> = {};
  for (const [key, values] of samples) {
    const mid = median(values);
    const spread = mid === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / Math.abs(mid);
    const metric = key.slice(key.lastIndexOf('|') + 1).trim();
    const better = key.includes('lower is better')
      ? 'lower'
      : key.includes(' | ratio | ')
        ? 'higher'
        : direction(metric);
    figures[key] = { median: mid, spread: Number(spread.toFixed(4)), better };
  }
  return figures;
}

/** Saves a suite's runs under bench/.results/saved/<name>/<suite>.json; returns the path. */
export function saveBaseline(
  name: string,
  suite: string,
  runs: readonly (readonly ScenarioResult[])[],
): string {
  const saved: SavedSuite = {
    suite,
    name,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    repeats: runs.length,
    figures: summarize(runs),
  };
  const dir = join(OUTPUT_DIR, 'saved', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** A saved run by name: a local save first, then a committed baseline. */
export function loadBaseline(name: string, suite: string): SavedSuite | undefined {
  for (const dir of [join(OUTPUT_DIR, 'saved', name), join(BASELINES_DIR, name)]) {
    const file = join(dir, `${suite}.json`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SavedSuite;
  }
  return undefined;
}

/** One compared figure. */
export interface Comparison {
  readonly figure: string;
  readonly baseline: number;
  readonly current: number;
  readonly ratio: number;
  readonly band: number;
  readonly verdict: 'same' | 'better' | 'WORSE' | 'changed';
}

/** Compares a run with a baseline, figure by figure. */
export function compare(baseline: SavedSuite, current: Record<string, Figure>): Comparison[] {
  const out: Comparison[] = [];
  for (const [figure, now] of Object.entries(current)) {
    const before = baseline.figures[figure];
    if (!before || before.median === 0) continue;
    const ratio = now.median / before.median;
    const band = Math.max(NOISE_FLOOR, before.spread, now.spread);
    let verdict: Comparison['verdict'] = 'same';
    if (Math.abs(ratio - 1) > band) {
      if (now.better === 'neutral') verdict = 'changed';
      else verdict = ratio > 1 === (now.better === 'higher') ? 'better' : 'WORSE';
    }
    out.push({
      figure,
      baseline: before.median,
      current: now.median,
      ratio: Number(ratio.toFixed(3)),
      band: Number(band.toFixed(3)),
      verdict,
    });
  }
  return out;
}

/** Prints a comparison; returns the number of figures that got worse beyond their band. */
export function printComparison(suite: string, name: string, rows: readonly Comparison[]): number {
  console.log(`\n## ${suite}: compared with baseline "${name}"`);
  console.table(
    rows.map((r) => ({
      figure: r.figure,
      baseline: r.baseline,
      current: r.current,
      ratio: r.ratio,
      band: `±${(r.band * 100).toFixed(1)}%`,
      verdict: r.verdict,
    })),
  );
  const worse = rows.filter((r) => r.verdict === 'WORSE').length;
  const better = rows.filter((r) => r.verdict === 'better').length;
  const bands = rows.map((r) => r.band);
  console.log(
    `  ${rows.length} figures: ${worse} worse and ${better} better beyond their noise band ` +
      `(median band ±${((bands.length ? median(bands) : NOISE_FLOOR) * 100).toFixed(1)}%, floor ±${NOISE_FLOOR * 100}%)`,
  );
  return worse;
}
