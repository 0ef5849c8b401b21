import type { Database } from '../db/database.js';
import { sql } from '../db/repository.js';
import { CATEGORIES } from '../db/seed.js';
import type { Shop } from '../services/shop.js';
import { LatencySample } from '../telemetry/latency.js';
import type { StatsRecorder } from '../telemetry/recorder.js';

/** Bounds of `/cache/load-test`. */
export const LOAD_TEST_LIMITS = { maxDurationMs: 10_000, maxConcurrency: 32 } as const;

/** Options of a load test. */
export interface LoadTestOptions {
  /** @defaultValue 2000 (at most 10 000) */
  readonly durationMs?: number;
  /** Workers running operations back to back. @defaultValue 8 (at most 32) */
  readonly concurrency?: number;
  /** Fraction of operations that write. @defaultValue 0.05 */
  readonly writeRatio?: number;
}

/** Result of a load test. */
export interface LoadTestReport {
  readonly durationMs: number;
  readonly concurrency: number;
  readonly operations: number;
  readonly errors: number;
  readonly opsPerSec: number;
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Cache hit rate of the reads made during the test. */
  readonly hitRate: number;
}

/**
 * Runs a bounded in-process load on the shop services (not over HTTP, so it measures the
 * cache and database): mostly reads with a Zipf-like skew towards low ids, some writes.
 */
export async function runLoadTest(
  db: Database,
  shop: Shop,
  recorder: StatsRecorder,
  options: LoadTestOptions = {},
): Promise<LoadTestReport> {
  const durationMs = Math.min(options.durationMs ?? 2000, LOAD_TEST_LIMITS.maxDurationMs);
  const concurrency = Math.min(options.concurrency ?? 8, LOAD_TEST_LIMITS.maxConcurrency);
  const writeRatio = options.writeRatio ?? 0.05;
  const max = await sql.maxIds(db);
  const skewed = (n: number) => 1 + Math.floor(n * Math.random() ** 2);
  const sample = new LatencySample(16_384);
  const before = totals(recorder);
  let operations = 0;
  let errors = 0;
  const end = performance.now() + durationMs;
  const op = async (): Promise<void> => {
    const r = Math.random();
    if (r < writeRatio) {
      await shop.updateProduct(skewed(max.products), {
        stock: 10_000 + Math.floor(Math.random() * 100),
      });
      return;
    }
    const read = Math.random();
    if (read < 0.35) await shop.getProduct(skewed(max.products));
    else if (read < 0.6) await shop.getUser(skewed(max.users));
    else if (read < 0.8) await shop.getUserOrders(skewed(max.users));
    else if (read < 0.9) await shop.getCategory(CATEGORIES[Math.floor(Math.random() * 8)]!);
    else await shop.getOrder(skewed(max.orders));
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op();
        } catch {
          errors++;
        }
        sample.add(performance.now() - t);
        operations++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const after = totals(recorder);
  const hits = after.hits - before.hits;
  const reads = hits + after.misses - before.misses;
  const [p50, p95, p99, pMax] = sample.percentiles([50, 95, 99, 100]);
  return {
    durationMs: Math.round(elapsed),
    concurrency,
    operations,
    errors,
    opsPerSec: Math.round((operations / elapsed) * 1000),
    latencyMs: { p50: p50!, p95: p95!, p99: p99!, max: pMax! },
    hitRate: reads === 0 ? 0 : Math.round((hits / reads) * 10_000) / 10_000,
  };
}

function totals(recorder: StatsRecorder): { hits: number; misses: number } {
  let hits = 0;
  let misses = 0;
  for (const c of recorder.totals.values()) {
    hits += c.l1 + c.l2 + c.stale;
    misses += c.miss;
  }
  return { hits, misses };
}
