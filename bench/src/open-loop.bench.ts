/**
 * Open-loop latency curves, each path beside its raw reference in the same run, on a
 * private redis-server:
 * - Redis rate-limit checks (fixed window) vs one raw EVALSHA of the same logic per check;
 * - `getOrSet` L2 hits (no L1, 1 KB JSON value) vs raw ioredis GET + JSON.parse.
 * Poisson arrivals at each offered rate, latency from the intended send time; reports
 * p50/p95/p99 per rate and the highest offered rate that keeps p95 under 0.5 ms.
 * BENCH_MS (default 1500) sets the time per rate, BENCH_RATES a comma-separated list.
 */
import { createCache } from '@cachestack/core';
import { createRateLimiter, RedisStore } from '@cachestack/ratelimit';
import { redisStore } from '@cachestack/redis';
import { startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { openLoop } from './lib/open-loop.js';
import { printScenario, type Row, type ScenarioResult, writeResults } from './lib/report.js';

const RATES = (process.env.BENCH_RATES ?? '5000,10000,20000,35000,50000,60000')
  .split(',')
  .map(Number);
const DURATION_MS = Number(process.env.BENCH_MS ?? 1500);
const P95_BUDGET_MS = 0.5;
const KEYS = 1000;
const key = (i: number) => `user:${i % KEYS}`;

const RAW_FIXED_WINDOW = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if c > tonumber(ARGV[2]) then return {0, c} end
return {1, c}`;

const value = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  tags: ['admin', 'math', 'poetry'],
  bio: 'x'.repeat(880),
  joined: '2024-01-02T03:04:05.000Z',
};

/** Runs every contender at every rate (contenders interleaved per rate). */
async function sweep(
  scenario: string,
  reference: string,
  contenders: Record<string, (i: number) => Promise<unknown>>,
  targets: ScenarioResult['targets'] = [],
): Promise<ScenarioResult> {
  for (const fn of Object.values(contenders)) {
    await openLoop(fn, { ratePerSec: RATES[0]!, durationMs: 300 }); // warm-up
  }
  const rows: Row[] = [];
  const knee: Record<string, number> = {};
  for (const rate of RATES) {
    for (const [name, fn] of Object.entries(contenders)) {
      const r = await openLoop(fn, { ratePerSec: rate, durationMs: DURATION_MS, seed: rate });
      rows.push({ name: `${name} @ ${rate}/s`, ...r });
      if (r.p95Ms < P95_BUDGET_MS && r.errors === 0 && r.achieved >= rate * 0.95) {
        knee[name] = Math.max(knee[name] ?? 0, rate);
      }
    }
  }
  for (const name of Object.keys(contenders)) {
    rows.push({ name: `${name} knee`, kneeRate: knee[name] ?? 0 });
  }
  const refKnee = knee[reference] ?? 0;
  const ratios: Record<string, number> = {};
  for (const name of Object.keys(contenders)) {
    if (refKnee > 0) ratios[`${name} knee`] = Number(((knee[name] ?? 0) / refKnee).toFixed(3));
  }
  // p95 ratio to the reference at each rate (lower is better: 1.2 = 20% slower tail)
  for (const rate of RATES) {
    const ref = rows.find((r) => r.name === `${reference} @ ${rate}/s`)?.p95Ms;
    for (const name of Object.keys(contenders)) {
      const own = rows.find((r) => r.name === `${name} @ ${rate}/s`)?.p95Ms;
      if (typeof ref === 'number' && typeof own === 'number' && ref > 0 && name !== reference) {
        ratios[`${name} p95 vs reference @ ${rate}/s (lower is better)`] = Number(
          (own / ref).toFixed(3),
        );
      }
    }
  }
  return {
    scenario,
    reference,
    rows,
    ratios,
    targets,
    notes: [
      `Poisson arrivals, ${DURATION_MS} ms per rate, latency from the intended send time (ms)`,
      `knee = highest offered rate with p95 < ${P95_BUDGET_MS} ms, no errors and >= 95% of the rate achieved`,
    ],
  };
}

export default async function run(): Promise<void> {
  const server = await startPrivateRedis();
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(server.url, { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  const results: ScenarioResult[] = [];
  try {
    const limiter = createRateLimiter({
      algorithm: 'fixed-window',
      limit: 1_000_000_000,
      windowMs: 60_000,
      store: new RedisStore({ redis: client(), prefix: 'ol' }),
      failurePolicy: 'open',
      timeoutMs: 1000,
    });
    const raw = client();
    raw.defineCommand('rawFixedWindow', { numberOfKeys: 1, lua: RAW_FIXED_WINDOW });
    const rawCheck = (
      raw as unknown as {
        rawFixedWindow(k: string, c: number, l: number, w: number): Promise<unknown>;
      }
    ).rawFixedWindow.bind(raw);
    const rateLimit = await sweep(
      'open loop: Redis rate-limit checks over 1000 keys',
      'raw EVALSHA per check',
      {
        'cachestack check': (i) => limiter.check(key(i)),
        'raw EVALSHA per check': (i) => rawCheck(`raw:${key(i)}`, 1, 1_000_000_000, 60_000),
      },
      [
        {
          label: 'rate-limit check p95 < 0.5 ms at 35k checks/s offered',
          figure: 'cachestack check @ 35000/s.p95Ms',
          op: '<=',
          value: P95_BUDGET_MS,
        },
      ],
    );
    printScenario(rateLimit);
    results.push(rateLimit);

    const prefix = `bench-open-loop-${process.pid}`;
    const cache = createCache({
      namespace: 'ol',
      l1: false,
      l2: redisStore({ client: client(), prefix }),
    });
    const rawGet = client();
    const names = Array.from({ length: 256 }, (_, i) => `item:${i}`);
    for (const name of names) {
      await cache.set(name, value, { ttl: '1h' });
      await rawGet.set(`raw:${name}`, JSON.stringify(value), 'EX', 3600);
    }
    const loader = () => value;
    const l2 = await sweep(
      'open loop: getOrSet L2 hits (no L1, 1 KB JSON) over 256 keys',
      'raw GET + JSON.parse',
      {
        'cachestack getOrSet': (i) => cache.getOrSet(names[i & 255]!, loader),
        'raw GET + JSON.parse': async (i) => {
          const text = await rawGet.get(`raw:${names[i & 255]!}`);
          return text === null ? undefined : JSON.parse(text);
        },
      },
    );
    printScenario(l2);
    results.push(l2);
    await cache.close();
  } finally {
    for (const c of clients) c.disconnect();
    await server.stop();
  }
  writeResults('open-loop', results);
}
