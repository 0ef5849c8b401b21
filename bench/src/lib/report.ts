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

/** A scenario's result: rows plus ratios against the reference row. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly reference: string;
  readonly rows: readonly Row[];
  /** name -> ratio against the reference (higher is better unless noted). */
  readonly ratios: Record<string, number>;
  readonly notes?: readonly string[];
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
}

const here = dirname(fileURLToPath(import.meta.url));

/** Writes results as JSON to bench/results/<suite>.json and returns the path. */
export function writeResults(suite: string, results: readonly ScenarioResult[]): string {
  const dir = join(here, '..', '..', 'results');
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
  console.log(JSON.stringify(payload));
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
