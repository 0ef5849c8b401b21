import type { Clock } from '../contracts/clock.js';
import type { Priority } from '../contracts/options.js';
import type {
  WarmupOptions,
  WarmupProgress,
  WarmupReport,
  WarmupSource,
  WarmupTarget,
} from '../contracts/warmup.js';

const PRIORITY_ORDER: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

type Job = {
  target: WarmupTarget;
  run: () => Promise<{
    loaded: number;
    skipped: number;
    failures: { key: string; error: Error }[];
  }>;
};

async function* jobsOf(source: WarmupSource, fallback: WarmupTarget): AsyncGenerator<Job> {
  const target = source.target ?? fallback;
  if ('entries' in source) {
    for await (const entry of source.entries) {
      yield {
        target,
        run: async () => {
          if (await target.has(entry.key)) return { loaded: 0, skipped: 1, failures: [] };
          await target.set(entry.key, entry.value, entry.options);
          return { loaded: 1, skipped: 0, failures: [] };
        },
      };
    }
    return;
  }
  if ('loader' in source) {
    for await (const key of source.keys) {
      yield {
        target,
        run: async () => {
          let loaded = false;
          await target.getOrSet(
            key,
            (ctx) => {
              loaded = true;
              return source.loader(ctx);
            },
            source.options,
          );
          return loaded
            ? { loaded: 1, skipped: 0, failures: [] }
            : { loaded: 0, skipped: 1, failures: [] };
        },
      };
    }
    return;
  }
  const size = source.batchSize ?? 100;
  let batch: string[] = [];
  const flush = (keys: string[]): Job => ({
    target,
    run: async () => {
      let asked: string[] | undefined;
      const failures: { key: string; error: Error }[] = [];
      let values: unknown[];
      try {
        values = await target.getOrSetMany(
          keys,
          async (missing, ctx) => {
            asked = missing;
            return source.batchLoader(missing, ctx);
          },
          source.options,
        );
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        const failed = asked ?? keys;
        return {
          loaded: 0,
          skipped: keys.length - failed.length,
          failures: failed.map((key) => ({ key, error: err })),
        };
      }
      const requested = asked ?? [];
      let loaded = 0;
      keys.forEach((key, i) => {
        if (!requested.includes(key)) return;
        if (values[i] === undefined)
          failures.push({ key, error: new Error('batch loader returned no value') });
        else loaded++;
      });
      return { loaded, skipped: keys.length - requested.length, failures };
    },
  });
  for await (const key of source.keys) {
    batch.push(key);
    if (batch.length >= size) {
      yield flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield flush(batch);
}

function knownTotal(sources: readonly WarmupSource[]): number | undefined {
  let total = 0;
  for (const s of sources) {
    const list = 'entries' in s ? s.entries : s.keys;
    if (!Array.isArray(list)) return undefined;
    total += list.length;
  }
  return total;
}

/**
 * Warms caches from sources, high-priority namespaces first, with bounded concurrency.
 * Idempotent: what is still fresh is not loaded again. A failing key is reported and
 * never stops the rest.
 */
export async function runWarmup(
  sources: readonly WarmupSource[],
  fallback: WarmupTarget,
  options: WarmupOptions,
  emit: (progress: WarmupProgress) => void,
  clock: Clock,
): Promise<WarmupReport> {
  const concurrency = options.concurrency ?? 8;
  const started = clock.monotonic();
  const total = knownTotal(sources);
  const ordered = [...sources].sort(
    (a, b) =>
      PRIORITY_ORDER[(a.target ?? fallback).priority] -
      PRIORITY_ORDER[(b.target ?? fallback).priority],
  );
  let loaded = 0;
  let skipped = 0;
  const failures: { namespace: string; key: string; error: Error }[] = [];
  const progress = (): WarmupProgress => {
    const done = loaded + skipped + failures.length;
    const elapsed = (clock.monotonic() - started) / 1000;
    const ratePerSec = elapsed > 0 ? Math.round(done / elapsed) : 0;
    const etaMs =
      total !== undefined && ratePerSec > 0
        ? Math.round(((total - done) / ratePerSec) * 1000)
        : undefined;
    return { done, loaded, skipped, failed: failures.length, total, ratePerSec, etaMs };
  };
  let aborted = false;
  for (const source of ordered) {
    const jobs = jobsOf(source, fallback);
    const workers = Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (options.signal?.aborted) {
          aborted = true;
          return;
        }
        const next = await jobs.next();
        if (next.done) return;
        const job = next.value;
        try {
          const r = await job.run();
          loaded += r.loaded;
          skipped += r.skipped;
          for (const f of r.failures)
            failures.push({ namespace: job.target.namespaceName, key: f.key, error: f.error });
        } catch (error) {
          const err = error instanceof Error ? error : new Error(String(error));
          const key = (err as { key?: string }).key ?? '?';
          failures.push({ namespace: job.target.namespaceName, key, error: err });
        }
        const p = progress();
        options.onProgress?.(p);
        emit(p);
      }
    });
    await Promise.all(workers);
    if (aborted) break;
  }
  return { ...progress(), durationMs: Math.round(clock.monotonic() - started), aborted, failures };
}
