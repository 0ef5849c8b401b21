/**
 * Open-loop load: requests arrive on a schedule (Poisson arrivals at an offered rate),
 * whatever the answers do, and each latency is measured from the request's *intended*
 * send time. A path that stalls therefore shows its queueing in the tail instead of
 * hiding it by sending less (coordinated omission).
 */
import { seededRandom } from './random.js';
import { percentile } from './report.js';

/** Intended send times (ms from the start) of Poisson arrivals at `ratePerSec`. */
export function poissonSchedule(ratePerSec: number, durationMs: number, seed = 42): Float64Array {
  const random = seededRandom(seed);
  const times: number[] = [];
  const meanGapMs = 1000 / ratePerSec;
  let t = 0;
  for (;;) {
    t += -Math.log(1 - random()) * meanGapMs;
    if (t >= durationMs) break;
    times.push(t);
  }
  return Float64Array.from(times);
}

/** What an open-loop run measured; latencies in ms from the intended send time. */
export interface OpenLoopResult {
  readonly offered: number;
  readonly achieved: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
}

/**
 * Offers `ratePerSec` calls of `fn` for `durationMs` on a Poisson schedule. Calls are
 * issued from a setImmediate pump, so a blocked event loop delays sends, and that delay
 * is counted in the latency of the calls it held back.
 */
export async function openLoop(
  fn: (i: number) => Promise<unknown>,
  options: { ratePerSec: number; durationMs: number; seed?: number; drainMs?: number },
): Promise<OpenLoopResult> {
  const schedule = poissonSchedule(options.ratePerSec, options.durationMs, options.seed);
  const latencies = new Float64Array(schedule.length).fill(Number.NaN);
  let errors = 0;
  let settled = 0;
  let next = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const drainLimit = setTimeout(resolve, options.durationMs + (options.drainMs ?? 10_000));
    const finish = () => {
      if (++settled === schedule.length) {
        clearTimeout(drainLimit);
        resolve();
      }
    };
    const pump = () => {
      const now = performance.now() - start;
      while (next < schedule.length && schedule[next]! <= now) {
        const i = next++;
        const intended = schedule[i]!;
        fn(i).then(
          () => {
            latencies[i] = performance.now() - start - intended;
            finish();
          },
          () => {
            errors++;
            latencies[i] = performance.now() - start - intended;
            finish();
          },
        );
      }
      if (next < schedule.length) setImmediate(pump);
    };
    if (schedule.length === 0) resolve();
    else pump();
  });
  const elapsed = performance.now() - start;
  const answered = Array.from(latencies).filter((v) => !Number.isNaN(v));
  const round = (v: number) => Number(v.toFixed(4));
  return {
    offered: options.ratePerSec,
    achieved: Math.round((answered.length / elapsed) * 1000),
    p50Ms: round(percentile(answered, 50)),
    p95Ms: round(percentile(answered, 95)),
    p99Ms: round(percentile(answered, 99)),
    // A loop, not Math.max(...answered): long runs overflow the argument stack.
    maxMs: round(answered.length ? answered.reduce((max, v) => Math.max(max, v), 0) : Number.NaN),
    errors: errors + (schedule.length - answered.length),
  };
}
