/**
 * This checkout's @cachestack/core against another build of it, in one run: the L1-hit
 * and L2-hit scenarios of `pnpm bench core` / `core-l2`, measured in paired rounds (order
 * alternating) so machine noise hits both alike. Reports the median of ours / reference.
 *
 *   node bench/dist/core-compare.js /path/to/reference/packages/core/dist/index.js
 *
 * (build the reference from another commit: `git archive <rev> packages/core | tar -x -C
 * /tmp/ref`, link node_modules, `tsc -p tsconfig.build.json`). L2 needs REDIS_URL.
 */
import { pathToFileURL } from 'node:url';
import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { Redis } from 'ioredis';
import { median, throughput } from './lib/report.js';

type CreateCache = typeof createCache;
const refPath = process.argv[2];
if (!refPath) {
  console.error('usage: core-compare <reference core dist/index.js>');
  process.exit(2);
}
const ref = (await import(pathToFileURL(refPath).href)) as { createCache: CreateCache };
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.env.BENCH_ROUNDS ?? 21);
const roundMs = Number(process.env.BENCH_MS ?? 300);
const BATCH = 1000;
const KEYS = Array.from({ length: 1024 }, (_, i) => `user:${i}`);

/** Paired rounds (order alternating): the median of per-round ratios resists load swings. */
async function paired(
  measure: (who: 'ours' | 'reference') => Promise<number>,
): Promise<{ ours: number; reference: number; ratio: number }> {
  await measure('ours');
  await measure('reference');
  const ours: number[] = [];
  const reference: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: ('ours' | 'reference')[] =
      round % 2 === 0 ? ['ours', 'reference'] : ['reference', 'ours'];
    const r: Record<string, number> = {};
    for (const who of order) r[who] = await measure(who);
    ours.push(r.ours!);
    reference.push(r.reference!);
    ratios.push(r.ours! / r.reference!);
  }
  return { ours: median(ours), reference: median(reference), ratio: median(ratios) };
}

async function l1Hit() {
  const make = async (create: CreateCache) => {
    const cache = create({ l1: { maxEntries: 10_000 }, defaults: { ttl: '1h' } });
    for (const key of KEYS) await cache.set(key, { id: key, name: 'x'.repeat(50) });
    return cache;
  };
  const caches = { ours: await make(createCache), reference: await make(ref.createCache) };
  let sink: unknown;
  const result = await paired(async (who) => {
    const cache = caches[who];
    // Median rate of 1000-get batches (as tinybench reports): a batch during which the
    // process was descheduled by a loaded machine does not drag the figure down.
    const rates: number[] = [];
    const end = performance.now() + roundMs;
    while (performance.now() < end) {
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) sink = await cache.get(KEYS[i & 1023]!);
      rates.push(BATCH / ((performance.now() - t0) / 1000));
    }
    return median(rates);
  });
  void sink;
  await caches.ours.close();
  await caches.reference.close();
  return result;
}

async function l2Hit() {
  const prefix = `bench-core-compare-${process.pid}`;
  const value = { id: 42, name: 'Ada Lovelace', bio: 'x'.repeat(900) };
  const make = async (create: CreateCache, namespace: string) => {
    const cache = create({
      namespace,
      l1: false,
      l2: redisStore({ client: new Redis(url, { maxRetriesPerRequest: 1 }), prefix }),
    });
    for (let i = 0; i < 256; i++) await cache.set(`user:${i}`, value, { ttl: '10m' });
    return cache;
  };
  const caches = {
    ours: await make(createCache, 'ours'),
    reference: await make(ref.createCache, 'reference'),
  };
  const result = await paired(async (who) => {
    const cache = caches[who];
    const r = await throughput((i) => cache.get(`user:${i % 256}`), {
      concurrency: 100,
      durationMs: roundMs,
      warmupMs: 50,
    });
    return r.opsPerSec;
  });
  for (const cache of Object.values(caches)) {
    await cache.clear();
    await cache.close();
  }
  return result;
}

for (const [scenario, run] of [
  ['L1 hit (await get, 1024 hot keys)', l1Hit],
  ['L2 hit (L1 off, 1 KB value, 100 concurrent, Redis)', l2Hit],
] as const) {
  const r = await run();
  console.log(
    `${scenario}: ours ${Math.round(r.ours).toLocaleString()} ops/s, reference ${Math.round(r.reference).toLocaleString()} ops/s, median paired ratio ${r.ratio.toFixed(3)} (${rounds} rounds)`,
  );
}
process.exit(0);
