import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured row of a scenario. */
export interface Row {
  /** What was measured, e.g. `cachestack await get`. */
  readonly name: string;
  /** Operations per second (median of samples where there are several). */
  readonly opsPerSec?: number;
  /** Extra figures: latency percentiles in ms, RSS in MB, loader calls, ... */
  readonly [figure: string]: number | string | undefined;
}

/**
 * A target a scenario is measured against. `figure` names a number of the scenario:
 * `ratio:<row name>` for a ratio, or `<row name>.<metric>` for a row's figure.
 */
export interface Target {
  /** What the target says, e.g. `L2 hit >= 0.95x raw GET + JSON.parse`. */
  readonly label: string;
  readonly figure: string;
  readonly op: '>=' | '<=';
  readonly value: number;
}

/** A scenario's result: rows plus ratios against the reference row. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly reference: string;
  readonly rows: readonly Row[];
  /** name -> ratio against the reference (higher is better unless noted). */
  readonly ratios: Record<string, number>;
  readonly notes?: readonly string[];
  /** Targets checked (and printed as met or missed) for this scenario. */
  readonly targets?: readonly Target[];
}

/** The number a target's `figure` names in a result, if present. */
export function figureOf(result: ScenarioResult, figure: string): number | undefined {
  if (figure.startsWith('ratio:')) return result.ratios[figure.slice('ratio:'.length)];
  const dot = figure.lastIndexOf('.');
  const row = result.rows.find((r) => r.name === figure.slice(0, dot));
  const value = row?.[figure.slice(dot + 1)];
  return typeof value === 'number' ? value : undefined;
}

/** Whether each target of a result is met (`undefined` when its figure is missing). */
export function checkTargets(
  result: ScenarioResult,
): { target: Target; value: number | undefined; met: boolean | undefined }[] {
  return (result.targets ?? []).map((target) => {
    const value = figureOf(result, target.figure);
    const met =
      value === undefined
        ? undefined
        : target.op === '>='
          ? value >= target.value
          : value <= target.value;
    return { target, value, met };
  });
}

/** Ratio of each row's metric to the reference row's metric. */
export function ratios(
  rows: readonly Row[],
  reference: string,
  metric = 'opsPerSec',
): Record<string, number> {
  const ref = rows.find((r) => r.name === reference)?.[metric];
  const out: Record<string, number> = {};
  if (typeof ref !== 'number' || ref === 0) return out;
  for (const row of rows) {
    const v = row[metric];
    if (typeof v === 'number') out[row.name] = Number((v / ref).toFixed(3));
  }
  return out;
}

/** Prints a scenario as a table. */
export function printScenario(result: ScenarioResult): void {
  console.log(`\n## ${result.scenario} (reference: ${result.reference})`);
  console.table(
    result.rows.map((row) => ({
      ...row,
      ratio: result.ratios[row.name],
    })),
  );
  for (const note of result.notes ?? []) console.log(`  note: ${note}`);
  for (const { target, value, met } of checkTargets(result)) {
    const verdict = met === undefined ? 'NOT MEASURED' : met ? 'met' : 'MISSED';
    console.log(`  target ${verdict}: ${target.label} (measured ${value ?? 'n/a'})`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where runs write their output: ignored by git, never a tracked file. */
export const OUTPUT_DIR = join(here, '..', '..', '.results');

/** Results of the suites run in this process, read by the runner for --save/--compare. */
export const collected = new Map<string, ScenarioResult[][]>();

/** Writes results as JSON to bench/.results/latest/<suite>.json and returns the path. */
export function writeResults(suite: string, results: readonly ScenarioResult[]): string {
  const runs = collected.get(suite) ?? [];
  runs.push([...results]);
  collected.set(suite, runs);
  const dir = join(OUTPUT_DIR, 'latest');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  const payload = {
    suite,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results,
  };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  console.log(`results written to ${file}`);
  return file;
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percentile (0-100) of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/**
 * Closed-loop throughput: `concurrency` workers call `fn` back to back for `durationMs`.
 * Returns ops/s and latency percentiles (ms).
 */
export async function throughput(
  fn: (i: number) => Promise<unknown>,
  options: { concurrency: number; durationMs: number; warmupMs?: number },
): Promise<{ opsPerSec: number; p50: number; p95: number; p99: number; ops: number }> {
  const run = async (durationMs: number, record: boolean) => {
    const latencies: number[] = [];
    let ops = 0;
    const end = performance.now() + durationMs;
    let i = 0;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await fn(i++);
        if (record) latencies.push(performance.now() - t0);
        ops++;
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const elapsed = performance.now() - start;
    return { ops, elapsed, latencies };
  };
  if (options.warmupMs) await run(options.warmupMs, false);
  const { ops, elapsed, latencies } = await run(options.durationMs, true);
  return {
    opsPerSec: Math.round((ops / elapsed) * 1000),
    p50: Number(percentile(latencies, 50).toFixed(4)),
    p95: Number(percentile(latencies, 95).toFixed(4)),
    p99: Number(percentile(latencies, 99).toFixed(4)),
    ops,
  };
}

/**
 * Runs several closed-loop measurements interleaved (A, B, C, A, B, C, ...) so that
 * machine noise hits every contender alike; returns the median ops/s per name.
 */
export async function interleaved(
  contenders: Record<string, (i: number) => Promise<unknown>>,
  options: { concurrency: number; durationMs: number; rounds: number },
): Promise<Row[]> {
  const samples: Record<string, { ops: number[]; p50: number[]; p99: number[] }> = {};
  for (const name of Object.keys(contenders)) samples[name] = { ops: [], p50: [], p99: [] };
  for (const [name, fn] of Object.entries(contenders)) {
    await throughput(fn, { concurrency: options.concurrency, durationMs: 200 });
    void name;
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const r = await throughput(fn, options);
      samples[name]!.ops.push(r.opsPerSec);
      samples[name]!.p50.push(r.p50);
      samples[name]!.p99.push(r.p99);
    }
  }
  return Object.entries(samples).map(([name, s]) => ({
    name,
    opsPerSec: Math.round(median(s.ops)),
    p50Ms: median(s.p50),
    p99Ms: median(s.p99),
  }));
}
