/**
 * @cachestack/file against Redis on the same machine, in the same run: raw ioredis
 * GET/SET (the reference), the @cachestack/redis store, and the file store with
 * `durability: 'full'` (fsync of file and directory) and `'none'` (no fsync), for 1 KB
 * and 64 KB values, 16 concurrent callers, interleaved rounds, median ops/s and p99.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '@cachestack/file';
import { redisStore } from '@cachestack/redis';
import { Redis } from 'ioredis';
import {
  interleaved,
  printScenario,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const measure = { concurrency: 16, durationMs: 300, rounds: 3 };
const KEYS = 100;
const ttlMs = 600_000;

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-bench-file-'));
  const prefix = `bench-file-${process.pid}`;
  const raw = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
  const forStore = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await forStore.connect();
  const redis = redisStore({ client: forStore, prefix: `${prefix}-store` });
  const full = fileStore({ dir: join(dir, 'full'), durability: 'full', sweepIntervalMs: 0 });
  const none = fileStore({ dir: join(dir, 'none'), durability: 'none', sweepIntervalMs: 0 });
  const ns = 'bench';
  const keys = Array.from({ length: KEYS }, (_, i) => `key${i}`);
  const rawKey = (i: number) => `${prefix}:raw:${keys[i % KEYS]}`;
  const results: ScenarioResult[] = [];

  try {
    for (const size of [1024, 64 * 1024]) {
      const label = size === 1024 ? '1 KB' : '64 KB';
      const value = new Uint8Array(size).fill(7);
      const buf = Buffer.from(value);
      for (const store of [redis, full, none]) {
        await store.setMany(
          ns,
          keys.map((key) => ({ key, value, ttlMs })),
        );
      }
      for (let i = 0; i < KEYS; i++) await raw.set(rawKey(i), buf, 'PX', ttlMs);

      const scenario = async (
        name: string,
        contenders: Record<string, (i: number) => Promise<unknown>>,
      ) => {
        const rows = await interleaved(contenders, measure);
        const result: ScenarioResult = {
          scenario: name,
          reference: 'ioredis raw',
          rows,
          ratios: ratios(rows, 'ioredis raw'),
          notes: [
            `${label} values over ${KEYS} keys, ${measure.concurrency} concurrent callers, ${measure.rounds} interleaved rounds of ${measure.durationMs} ms, median; Redis on localhost`,
          ],
        };
        printScenario(result);
        results.push(result);
      };

      await scenario(`get ${label} (hit)`, {
        'ioredis raw': (i) => raw.getBuffer(rawKey(i)),
        'redis store': (i) => redis.get(ns, keys[i % KEYS]!),
        "file store (durability 'full')": (i) => full.get(ns, keys[i % KEYS]!),
        "file store (durability 'none')": (i) => none.get(ns, keys[i % KEYS]!),
      });
      await scenario(`set ${label}`, {
        'ioredis raw': (i) => raw.set(rawKey(i), buf, 'PX', ttlMs),
        'redis store': (i) => redis.set(ns, keys[i % KEYS]!, value, { ttlMs }),
        "file store (durability 'full')": (i) => full.set(ns, keys[i % KEYS]!, value, { ttlMs }),
        "file store (durability 'none')": (i) => none.set(ns, keys[i % KEYS]!, value, { ttlMs }),
      });
    }
  } finally {
    await redis.clear(ns).catch(() => {});
    await raw.del(...Array.from({ length: KEYS }, (_, i) => rawKey(i)));
    await Promise.all([redis.close(), full.close(), none.close()]);
    raw.disconnect();
    forStore.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
  writeResults('file', results);
}
