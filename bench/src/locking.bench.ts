/**
 * @cachestack/locking against its references, each scenario in one run:
 * - uncontended local acquire/release vs async-mutex
 * - uncontended Redis acquire/release (one node) vs the redlock package
 * - contended throughput: 100 waiters on one lock (local and Redis)
 */
import { createRequire } from 'node:module';
import { createLocalLocks, createRedisLocks } from '@cachestack/locking';
import { Mutex } from 'async-mutex';
import { Redis } from 'ioredis';
import { Bench } from 'tinybench';
import {
  interleaved,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  throughput,
  writeResults,
} from './lib/report.js';

// redlock 5's exports map has no "types" condition, so TypeScript cannot see its types
// under NodeNext: load it through require with the few members used here.
interface RedlockLike {
  acquire(resources: string[], durationMs: number): Promise<{ release(): Promise<unknown> }>;
}
type RedlockCtor = new (
  clients: Iterable<Redis>,
  settings?: { retryCount?: number; retryDelay?: number; retryJitter?: number },
) => RedlockLike;
const Redlock = (createRequire(import.meta.url)('redlock') as { default: RedlockCtor }).default;
const BATCH = 1000;

async function localUncontended(): Promise<ScenarioResult> {
  const locks = createLocalLocks();
  const mutex = new Mutex();
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench
    .add('async-mutex acquire/release', async () => {
      for (let i = 0; i < BATCH; i++) {
        const release = await mutex.acquire();
        release();
      }
    })
    .add('cachestack local acquire/release', async () => {
      for (let i = 0; i < BATCH; i++) {
        const lock = await locks.acquire('k');
        lock.release();
      }
    })
    .add('async-mutex runExclusive', async () => {
      for (let i = 0; i < BATCH; i++) await mutex.runExclusive(() => undefined);
    })
    .add('cachestack local withLock', async () => {
      for (let i = 0; i < BATCH; i++) await locks.withLock('k', () => undefined);
    });
  await bench.run();
  const rows: Row[] = bench.tasks.map((task) => {
    const r = task.result as
      | { throughput?: { median?: number; mean: number }; hz?: number }
      | undefined;
    const perSec = r?.throughput?.median ?? r?.throughput?.mean ?? r?.hz ?? 0;
    return { name: task.name, opsPerSec: Math.round(perSec * BATCH) };
  });
  await locks.close();
  return {
    scenario: 'uncontended local acquire/release (one key)',
    reference: 'async-mutex acquire/release',
    rows,
    ratios: ratios(rows, 'async-mutex acquire/release'),
    notes: [
      'cachestack local locks are keyed (a Map lookup per acquire), lease-timed and FIFO; async-mutex is one unkeyed mutex without lease',
    ],
  };
}

async function localContended(): Promise<ScenarioResult> {
  const locks = createLocalLocks();
  const mutex = new Mutex();
  const rows = await interleaved(
    {
      'async-mutex, 100 waiters': () => mutex.runExclusive(() => undefined),
      'cachestack local, 100 waiters': () => locks.withLock('k', () => undefined),
    },
    { concurrency: 100, durationMs: 500, rounds: 3 },
  );
  await locks.close();
  return {
    scenario: 'contended local lock: 100 concurrent waiters on one key',
    reference: 'async-mutex, 100 waiters',
    rows,
    ratios: ratios(rows, 'async-mutex, 100 waiters'),
  };
}

async function redisUncontended(url: string, prefix: string): Promise<ScenarioResult> {
  const client = new Redis(url);
  const locks = createRedisLocks({ client, prefix: `${prefix}:cs:` });
  const redlock = new Redlock([client], { retryCount: 0 });
  const rows = await interleaved(
    {
      'redlock acquire/release': async (i) => {
        const lock = await redlock.acquire([`${prefix}:rl:${i & 1023}`], 5_000);
        await lock.release();
      },
      'cachestack redis acquire/release': async (i) => {
        const lock = await locks.acquire(`${i & 1023}`, { leaseMs: 5_000 });
        await lock.release();
      },
    },
    { concurrency: 1, durationMs: 600, rounds: 5 },
  );
  await locks.close();
  client.disconnect();
  return {
    scenario: 'uncontended Redis acquire/release, one node, sequential',
    reference: 'redlock acquire/release',
    rows,
    ratios: ratios(rows, 'redlock acquire/release'),
    notes: [
      'two round trips each (acquire script, release script); cachestack also increments a fencing counter',
    ],
  };
}

async function redisContended(url: string, prefix: string): Promise<ScenarioResult> {
  const client = new Redis(url);
  const locks = createRedisLocks({ client, prefix: `${prefix}:cc:` });
  // Four instances, each with its own connections: waiters contend through Redis and
  // are woken by release notifications, as separate processes would be.
  const instanceClients = Array.from({ length: 4 }, () => new Redis(url));
  const instances = instanceClients.map((c) =>
    createRedisLocks({ client: c, prefix: `${prefix}:ci:` }),
  );
  // redlock: fast retries so it is not held back by its 200 ms default delay.
  const redlock = new Redlock([client], { retryCount: -1, retryDelay: 10, retryJitter: 10 });
  const options = { concurrency: 100, durationMs: 1500 };
  const rows: Row[] = [];
  const rl = await throughput(async () => {
    const lock = await redlock.acquire([`${prefix}:rlc`], 5_000);
    await lock.release();
  }, options);
  rows.push({ name: 'redlock, 100 waiters', opsPerSec: rl.opsPerSec, p99Ms: rl.p99 });
  const cs = await throughput(async () => {
    const lock = await locks.acquire('c', { leaseMs: 5_000, acquireTimeoutMs: 60_000 });
    await lock.release();
  }, options);
  rows.push({
    name: 'cachestack redis, 100 waiters, 1 instance',
    opsPerSec: cs.opsPerSec,
    p99Ms: cs.p99,
  });
  const ci = await throughput(async (i) => {
    const lock = await instances[i % 4]!.acquire('c', { leaseMs: 5_000, acquireTimeoutMs: 60_000 });
    await lock.release();
  }, options);
  rows.push({
    name: 'cachestack redis, 100 waiters over 4 instances',
    opsPerSec: ci.opsPerSec,
    p99Ms: ci.p99,
  });
  await locks.close();
  for (const instance of instances) await instance.close();
  for (const c of instanceClients) c.disconnect();
  client.disconnect();
  return {
    scenario: 'contended Redis lock: 100 concurrent waiters on one resource',
    reference: 'redlock, 100 waiters',
    rows,
    ratios: ratios(rows, 'redlock, 100 waiters'),
    notes: [
      'one instance: waiters queue in-process (FIFO) and only the head talks to Redis',
      'four instances: waiters of different instances contend in Redis, woken by the release pub/sub message',
      'redlock retries every 10-20 ms (retryDelay 10, retryJitter 10)',
    ],
  };
}

export default async function run(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-locking-${process.pid}`;
  const results: ScenarioResult[] = [];
  for (const scenario of [localUncontended, localContended]) {
    const result = await scenario();
    printScenario(result);
    results.push(result);
  }
  try {
    for (const scenario of [redisUncontended, redisContended]) {
      const result = await scenario(url, prefix);
      printScenario(result);
      results.push(result);
    }
  } finally {
    const cleanup = new Redis(url);
    const keys = await cleanup.keys(`${prefix}*`);
    if (keys.length > 0) await cleanup.del(...keys);
    cleanup.disconnect();
  }
  writeResults('locking', results);
}
