/**
 * @cachestack/core over Redis against raw ioredis and the peers, in one run:
 * - L2 hit: L1 miss (cache without L1), 1 KB value, 100 concurrent callers, vs raw
 *   ioredis GET (and GET + JSON.parse, what a caller of raw GET must still do); the same
 *   with 64 KB values. A row with `getBatchMaxKeys: 1` shows what batching one tick's
 *   GETs into one MGET is worth.
 * - Tiered warm hit: L1 + L2, value in L1, 100 concurrent callers.
 * Every client uses the same ioredis options. Contenders are measured in interleaved
 * rounds so machine noise hits them alike; medians are reported.
 */
import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { Cacheable } from 'cacheable';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import {
  interleaved,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-core-l2-${process.pid}`;
const KEYS = 256;
const value = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  tags: ['admin', 'math', 'poetry'],
  bio: 'x'.repeat(880),
  joined: '2024-01-02T03:04:05.000Z',
};
const clientOptions = { maxRetriesPerRequest: 1 } as const;
const durationMs = Number(process.env.BENCH_MS ?? 700);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

export default async function run(): Promise<void> {
  const raw = new Redis(url, clientOptions);
  const storeClient = new Redis(url, clientOptions);
  const l2Only = createCache({
    namespace: 'l2',
    l1: false,
    l2: redisStore({ client: storeClient, prefix }),
  });
  const l2Unbatched = createCache({
    namespace: 'l2',
    l1: false,
    l2: redisStore({ client: new Redis(url, clientOptions), prefix, getBatchMaxKeys: 1 }),
  });
  const tiered = createCache({
    namespace: 'tiered',
    l1: { maxEntries: 10_000 },
    l2: redisStore({ client: new Redis(url, clientOptions), prefix }),
  });
  const bentoL2 = new BentoCache({
    default: 'r',
    stores: {
      r: bentostore().useL2Layer(
        redisDriver({ connection: new Redis(url, clientOptions), prefix: `${prefix}:bento` }),
      ),
    },
  });
  const bentoTiered = new BentoCache({
    default: 't',
    stores: {
      t: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(
          redisDriver({ connection: new Redis(url, clientOptions), prefix: `${prefix}:bento2` }),
        ),
    },
  });
  const keyvRedis = new Keyv(new KeyvRedis(url), { namespace: `${prefix}-cacheable` });
  const cacheableL2 = new Cacheable({ primary: keyvRedis });
  const cacheableTiered = new Cacheable({
    secondary: new Keyv(new KeyvRedis(url), { namespace: `${prefix}-cacheable2` }),
  });

  const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
  const json = JSON.stringify(value);
  for (const key of keys) {
    await raw.set(`${prefix}:raw:${key}`, json, 'PX', 600_000);
    await l2Only.set(key, value, { ttl: '10m' });
    await tiered.set(key, value, { ttl: '10m' });
    await bentoL2.set({ key, value, ttl: '10m' });
    await bentoTiered.set({ key, value, ttl: '10m' });
    await cacheableL2.set(key, value, '10m');
    await cacheableTiered.set(key, value, '10m');
  }
  const pick = (i: number) => keys[i % KEYS]!;

  const l2Rows: Row[] = await interleaved(
    {
      'raw ioredis GET': (i) => raw.get(`${prefix}:raw:${pick(i)}`),
      'raw ioredis GET + JSON.parse': async (i) =>
        JSON.parse((await raw.get(`${prefix}:raw:${pick(i)}`))!),
      'cachestack get (L2 hit)': (i) => l2Only.get(pick(i)),
      'cachestack get (L2 hit, unbatched)': (i) => l2Unbatched.get(pick(i)),
      'bentocache get (L2 only)': (i) => bentoL2.get({ key: pick(i) }),
      'cacheable get (Keyv redis)': (i) => cacheableL2.get(pick(i)),
    },
    { concurrency: 100, durationMs, rounds },
  );
  const l2: ScenarioResult = {
    scenario: 'L2 hit: L1 miss, 1 KB value, 100 concurrent callers',
    reference: 'raw ioredis GET',
    rows: l2Rows,
    ratios: {
      ...ratios(l2Rows, 'raw ioredis GET'),
      'cachestack vs GET + JSON.parse': Number(
        (
          l2Rows.find((r) => r.name === 'cachestack get (L2 hit)')!.opsPerSec! /
          l2Rows.find((r) => r.name === 'raw ioredis GET + JSON.parse')!.opsPerSec!
        ).toFixed(3),
      ),
    },
    targets: [
      {
        label: 'L2 hit >= 0.95x raw ioredis GET + JSON.parse (1 KB, 100 callers)',
        figure: 'ratio:cachestack vs GET + JSON.parse',
        op: '>=',
        value: 0.95,
      },
    ],
  };

  // 64 KB values: fewer keys (the bench must not fill Redis), same callers.
  const bigKeys = keys.slice(0, 64);
  const big = { ...value, bio: 'x'.repeat(64 * 1024 - 140) };
  const bigJson = JSON.stringify(big);
  for (const key of bigKeys) {
    await raw.set(`${prefix}:raw64:${key}`, bigJson, 'PX', 600_000);
    await l2Only.set(`big:${key}`, big, { ttl: '10m' });
  }
  const pickBig = (i: number) => bigKeys[i % bigKeys.length]!;
  const bigRows: Row[] = await interleaved(
    {
      'raw ioredis GET': (i) => raw.get(`${prefix}:raw64:${pickBig(i)}`),
      'raw ioredis GET + JSON.parse': async (i) =>
        JSON.parse((await raw.get(`${prefix}:raw64:${pickBig(i)}`))!),
      'cachestack get (L2 hit)': (i) => l2Only.get(`big:${pickBig(i)}`),
      'cachestack get (L2 hit, unbatched)': (i) => l2Unbatched.get(`big:${pickBig(i)}`),
    },
    { concurrency: 100, durationMs, rounds },
  );
  const opsOf = (rows: Row[], name: string) => rows.find((r) => r.name === name)!.opsPerSec!;
  const big64: ScenarioResult = {
    scenario: 'L2 hit: L1 miss, 64 KB value, 100 concurrent callers',
    reference: 'raw ioredis GET',
    rows: bigRows,
    ratios: {
      ...ratios(bigRows, 'raw ioredis GET'),
      'cachestack vs GET + JSON.parse': Number(
        (
          opsOf(bigRows, 'cachestack get (L2 hit)') / opsOf(bigRows, 'raw ioredis GET + JSON.parse')
        ).toFixed(3),
      ),
    },
    targets: [
      {
        label: 'L2 hit >= 0.95x raw ioredis GET + JSON.parse (64 KB, 100 callers)',
        figure: 'ratio:cachestack vs GET + JSON.parse',
        op: '>=',
        value: 0.95,
      },
    ],
  };

  const warmRows: Row[] = await interleaved(
    {
      'cachestack get (tiered, L1 hit)': (i) => tiered.get(pick(i)),
      'bentocache get (tiered, L1 hit)': (i) => bentoTiered.get({ key: pick(i) }),
      'cacheable get (tiered, memory hit)': (i) => cacheableTiered.get(pick(i)),
    },
    { concurrency: 100, durationMs, rounds },
  );
  const warm: ScenarioResult = {
    scenario: 'Tiered warm hit: L1 + L2 configured, value in L1, 100 concurrent callers',
    reference: 'cachestack get (tiered, L1 hit)',
    rows: warmRows,
    ratios: ratios(warmRows, 'cachestack get (tiered, L1 hit)'),
  };

  for (const r of [l2, big64, warm]) printScenario(r);
  writeResults('core-l2', [l2, big64, warm]);

  await l2Only.clear();
  await tiered.clear();
  await l2Only.close();
  await l2Unbatched.close();
  await tiered.close();
  await bentoL2.clear();
  await bentoTiered.clear();
  await bentoL2.disconnectAll();
  await bentoTiered.disconnectAll();
  await cacheableL2.clear();
  await cacheableTiered.clear();
  await cacheableL2.disconnect();
  await cacheableTiered.disconnect();
  const leftovers = await raw.keys(`${prefix}*`);
  if (leftovers.length > 0) await raw.del(...leftovers);
  raw.disconnect();
  storeClient.disconnect();
}
