/**
 * @cachestack/redis against raw ioredis on the same Redis, with identical client
 * options, 100 concurrent callers, interleaved rounds:
 * - store.get vs raw getBuffer of a 1 KB value (the L2 hit path);
 * - store.getMany vs raw mgetBuffer of 10 such values;
 * - store.getWithFence vs raw mgetBuffer of the entry and the epoch key.
 * The raw contenders build their key strings per call, as any caller of ioredis does.
 */
import { redisStore } from '@cachestack/redis';
import { Redis, type RedisOptions } from 'ioredis';
import {
  interleaved,
  median,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clientOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1000,
};
const measure = { concurrency: 100, durationMs: 250, rounds: 9 };

/**
 * CPU time per operation (user + system, ns) of `n` calls by 100 concurrent callers:
 * less sensitive than ops/s to other processes sharing the machine.
 */
async function cpuPerOp(fn: (i: number) => Promise<unknown>, n: number): Promise<number> {
  let i = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: measure.concurrency }, async () => {
      while (i < n) await fn(i++);
    }),
  );
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / n;
}

async function withCpu(
  rows: Row[],
  contenders: Record<string, (i: number) => Promise<unknown>>,
): Promise<Row[]> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < measure.rounds; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const list = samples[name] ?? [];
      list.push(await cpuPerOp(fn, 20_000));
      samples[name] = list;
    }
  }
  return rows.map((row) => ({ ...row, cpuNsPerOp: Math.round(median(samples[row.name] ?? [])) }));
}

async function connect(): Promise<Redis> {
  const client = new Redis(url, { ...clientOptions, lazyConnect: true });
  await client.connect();
  return client;
}

export default async function run(): Promise<void> {
  const prefix = `bench-redis-${process.pid}`;
  const raw = await connect();
  const forStore = await connect();
  const store = redisStore({ client: forStore, prefix, commandTimeoutMs: 1000 });
  const value = new Uint8Array(1024).fill(7);
  const ns = 'bench';
  const keys = Array.from({ length: 10 }, (_, i) => `key${i}`);
  await store.setMany(
    ns,
    keys.map((key) => ({ key, value, ttlMs: 600_000 })),
  );
  const entry = (key: string) => `${prefix}:{${ns}}:k:${key}`;
  const epochKey = `${prefix}:{${ns}}:m:epoch`;
  const results: ScenarioResult[] = [];

  try {
    const scenario = async (
      name: string,
      reference: string,
      contenders: Record<string, (i: number) => Promise<unknown>>,
    ) => {
      const rows = await withCpu(await interleaved(contenders, measure), contenders);
      const cpu = ratios(rows, reference, 'cpuNsPerOp');
      const result: ScenarioResult = {
        scenario: name,
        reference,
        rows,
        ratios: ratios(rows, reference),
        notes: [
          `1 KB values, ${measure.concurrency} concurrent callers, ${measure.rounds} interleaved rounds of ${measure.durationMs} ms, median`,
          `CPU per op relative to the reference (lower is better): ${JSON.stringify(cpu)}`,
        ],
      };
      printScenario(result);
      results.push(result);
    };

    await scenario('L2 get (1 KB hit)', 'ioredis getBuffer', {
      'ioredis getBuffer': (i) => raw.getBuffer(entry(keys[i % 10]!)),
      'cachestack store.get': (i) => store.get(ns, keys[i % 10]!),
    });
    await scenario('L2 getMany (10 x 1 KB)', 'ioredis mgetBuffer', {
      'ioredis mgetBuffer': () => raw.mgetBuffer(keys.map(entry)),
      'cachestack store.getMany': () => store.getMany(ns, keys),
    });
    await scenario('L2 fenced get (1 KB hit + epoch)', 'ioredis mgetBuffer x2', {
      'ioredis mgetBuffer x2': (i) => raw.mgetBuffer(entry(keys[i % 10]!), epochKey),
      'cachestack store.getWithFence': (i) => store.getWithFence(ns, keys[i % 10]!),
    });
  } finally {
    await store.clear(ns);
    await raw.del(epochKey, `${prefix}:{${ns}}:m:clear`);
    await store.close();
    raw.disconnect();
    forStore.disconnect();
  }
  writeResults('redis', results);
}
