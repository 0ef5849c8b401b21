/**
 * @cachestack/migrate on the shared Redis:
 * - reads through withLegacyKeys when the new key hits (L1 and L2 only), against the
 *   wrapped cache's own get: the wrapper's overhead in the steady state;
 * - the first read of a key that exists only in legacy (fallback + fenced backfill),
 *   against a raw ioredis GET of the legacy key (what the legacy system paid);
 * - the batch migrator's keys/s against a naive copy with raw ioredis (SCAN, GET+PTTL
 *   pipeline, SET PX pipeline of the raw string: no frames, no fences, no idempotency).
 */
import { createCache } from '@cachestack/core';
import { migrateLegacyKeys, withLegacyKeys } from '@cachestack/migrate';
import { redisStore } from '@cachestack/redis';
import { Redis } from 'ioredis';
import {
  interleaved,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const measure = { concurrency: 50, durationMs: 250, rounds: 5 };

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

async function fill(client: Redis, head: string, n: number): Promise<void> {
  for (let start = 0; start < n; start += 5000) {
    const p = client.pipeline();
    for (let i = start; i < Math.min(n, start + 5000); i++) {
      p.set(`${head}:${i}`, `{"id":${i},"name":"user ${i}"}`, 'PX', 600_000);
    }
    await p.exec();
  }
}

/** Runs `n` calls of `fn` with `concurrency` callers; ops/s. */
async function fixed(fn: (i: number) => Promise<unknown>, n: number): Promise<number> {
  let i = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: measure.concurrency }, async () => {
      while (i < n) await fn(i++);
    }),
  );
  return Math.round((n / (performance.now() - start)) * 1000);
}

export default async function run(): Promise<void> {
  const prefix = `bench-migrate-${process.pid}`;
  const client = new Redis(url);
  const results: ScenarioResult[] = [];
  const record = (result: ScenarioResult) => {
    printScenario(result);
    results.push(result);
  };
  try {
    // 1. Steady state: the new key hits.
    for (const l1 of [true, false]) {
      const cache = createCache({
        namespace: 'hit',
        l1: l1 ? {} : false,
        l2: { store: redisStore({ client, prefix }) },
      });
      const lk = withLegacyKeys(cache, {
        legacy: { 'user:{id}': `${prefix}:legacy:u:{id}` },
        client,
        mode: 'read-new-fallback-legacy',
      });
      for (let i = 0; i < 100; i++) await cache.set(`user:${i}`, { id: i });
      const rows = await interleaved(
        {
          'cache.get': (i) => cache.get(`user:${i % 100}`),
          'withLegacyKeys get': (i) => lk.get(`user:${i % 100}`),
        },
        measure,
      );
      record({
        scenario: `get, new key hits (${l1 ? 'L1' : 'L2 only'})`,
        reference: 'cache.get',
        rows,
        ratios: ratios(rows, 'cache.get'),
        notes: [`${measure.concurrency} callers, ${measure.rounds} interleaved rounds, median`],
      });
      await cache.close();
    }

    // 2. First read of a legacy-only key: fallback + backfill.
    const n = 5000;
    const head = `${prefix}:legacy:f`;
    await fill(client, head, n);
    const cache = createCache({ namespace: 'fb', l2: { store: redisStore({ client, prefix }) } });
    const lk = withLegacyKeys(cache, {
      legacy: { 'user:{id}': `${head}:{id}` },
      client,
      mode: 'read-new-fallback-legacy',
    });
    const raw = await fixed((i) => client.get(`${head}:${i}`), n);
    const fallback = await fixed((i) => lk.get(`user:${i}`), n);
    const loaderMiss = await fixed((i) => cache.getOrSet(`miss:${i}`, () => i), n);
    const rows2: Row[] = [
      { name: 'ioredis get (legacy key)', opsPerSec: raw },
      { name: 'cache.getOrSet (L2 miss, loader)', opsPerSec: loaderMiss },
      { name: 'withLegacyKeys get (fallback + backfill)', opsPerSec: fallback },
    ];
    record({
      scenario: 'first read of a legacy-only key',
      reference: 'ioredis get (legacy key)',
      rows: rows2,
      ratios: ratios(rows2, 'ioredis get (legacy key)'),
      notes: [
        `${n} distinct keys, ${measure.concurrency} callers; the fallback costs a new-key read, two legacy reads and a fenced write, once per key`,
      ],
    });
    await cache.close();

    // 3. Batch migration of 50k keys.
    const m = 50_000;
    const mhead = `${prefix}:legacy:m`;
    await fill(client, mhead, m);
    let t = performance.now();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${mhead}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const p = client.pipeline();
      for (const k of keys) p.get(k).pttl(k);
      const res = (await p.exec()) ?? [];
      const w = client.pipeline();
      keys.forEach((k, i) => {
        w.set(`${prefix}:naive:${k}`, res[2 * i]![1] as string, 'PX', res[2 * i + 1]![1] as number);
      });
      await w.exec();
    } while (cursor !== '0');
    const naive = Math.round((m / (performance.now() - t)) * 1000);
    t = performance.now();
    const store = redisStore({ client, prefix });
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: 'mig',
      legacy: { 'user:{id}': `${mhead}:{id}` },
      batchSize: 1000,
      countTotal: false,
    });
    await store.close();
    const migrator = Math.round((report.migrated / (performance.now() - t)) * 1000);
    const rows3: Row[] = [
      { name: 'naive ioredis copy', opsPerSec: naive },
      { name: 'migrateLegacyKeys', opsPerSec: migrator },
    ];
    record({
      scenario: 'batch migration (keys/s)',
      reference: 'naive ioredis copy',
      rows: rows3,
      ratios: ratios(rows3, 'naive ioredis copy'),
      notes: [
        `${m} keys, SCAN COUNT 1000; the migrator adds a fenced read of the new keys, JSON decode, core frames and conditional writes`,
      ],
    });
  } finally {
    await deleteKeys(client, `${prefix}:*`);
    await client.quit();
  }
  writeResults('migrate', results);
}
