/**
 * @cachestack/ratelimit against rate-limiter-flexible (RateLimiterRedis, RateLimiterMemory)
 * and a raw one-EVALSHA-per-check baseline, in one run on a private redis-server:
 * closed loop (100 callers over 1000 keys), open loop at 35k checks/s offered, and the
 * memory held by 100k active keys.
 */
import { spawn } from 'node:child_process';
import { createRateLimiter, RedisStore } from '@cachestack/ratelimit';
import { startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { openLoop } from './lib/open-loop.js';
import {
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  throughput,
  writeResults,
} from './lib/report.js';

const KEYS = 1000;
const CONCURRENCY = 100;
const LIMIT = 1_000_000; // high enough that every contender admits: the cost of a check, not of a rejection
const WINDOW_MS = 60_000;
const key = (i: number) => `user:${i % KEYS}`;

const RAW_LUA = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if c > tonumber(ARGV[2]) then return {0, c} end
return {1, c}`;

async function side(
  contenders: Record<string, (i: number) => Promise<unknown>>,
  rounds: number,
  durationMs: number,
): Promise<Row[]> {
  const samples: Record<string, { ops: number[]; p50: number[]; p95: number[]; p99: number[] }> =
    {};
  for (const [name, fn] of Object.entries(contenders)) {
    samples[name] = { ops: [], p50: [], p95: [], p99: [] };
    await throughput(fn, { concurrency: CONCURRENCY, durationMs: 300 });
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const r = await throughput(fn, { concurrency: CONCURRENCY, durationMs });
      const s = samples[name]!;
      s.ops.push(r.opsPerSec);
      s.p50.push(r.p50);
      s.p95.push(r.p95);
      s.p99.push(r.p99);
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  return Object.entries(samples).map(([name, s]) => ({
    name,
    opsPerSec: med(s.ops),
    p50Ms: med(s.p50),
    p95Ms: med(s.p95),
    p99Ms: med(s.p99),
  }));
}

/** Fills 100k keys in a fresh child process and reports its RSS and heap growth (MB). */
function footprintChild(
  which: 'cachestack' | 'rlf',
  keys: number,
): Promise<{ rssMB: number; heapMB: number; newSpaceMB: number }> {
  const script = `
    const which = ${JSON.stringify(which)};
    const v8 = await import('node:v8');
    const space = (name) => v8.getHeapSpaceStatistics().find((s) => s.space_name === name).space_size;
    const mod = await import(${JSON.stringify(import.meta.resolve(which === 'cachestack' ? '@cachestack/ratelimit' : 'rate-limiter-flexible'))});
    const check = which === 'cachestack'
      ? ((l) => (k) => l.check(k))(mod.createRateLimiter({ limit: 100, windowMs: 60000, store: new mod.MemoryStore({ maxKeys: ${keys} * 2 }) }))
      : ((l) => (k) => l.consume(k))(new (mod.default ?? mod).RateLimiterMemory({ points: 100, duration: 60 }));
    for (let i = 0; i < 2000; i++) await check('warm:' + i);
    globalThis.gc(); globalThis.gc();
    const m0 = process.memoryUsage();
    const n0 = space('new_space');
    for (let i = 0; i < ${keys}; i++) await check('client:' + i);
    globalThis.gc(); globalThis.gc();
    const m1 = process.memoryUsage();
    const n1 = space('new_space');
    await check('keep-alive'); // keeps the limiter reachable until measured
    process.stdout.write(JSON.stringify({ rssMB: (m1.rss - m0.rss) / 1048576, heapMB: (m1.heapUsed - m0.heapUsed) / 1048576, newSpaceMB: (n1 - n0) / 1048576 }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`footprint child exited with ${code}`));
      const r = JSON.parse(out) as { rssMB: number; heapMB: number; newSpaceMB: number };
      resolve({
        rssMB: Number(r.rssMB.toFixed(1)),
        heapMB: Number(r.heapMB.toFixed(1)),
        newSpaceMB: Number(r.newSpaceMB.toFixed(1)),
      });
    });
  });
}

async function memoryFootprint(): Promise<ScenarioResult> {
  const N = 100_000;
  const rows: Row[] = [
    { name: 'cachestack MemoryStore', keys: N, ...(await footprintChild('cachestack', N)) },
    { name: 'RateLimiterMemory', keys: N, ...(await footprintChild('rlf', N)) },
  ];
  return {
    scenario: `memory held by ${N} active keys (fixed window, fresh process each)`,
    reference: 'RateLimiterMemory',
    rows,
    ratios: ratios(rows, 'RateLimiterMemory', 'rssMB'),
    notes: [
      'growth after gc from a warmed-up process; lower is better',
      'heapMB is live data; newSpaceMB is V8 growing its young generation during the fill (part of rssMB, not per-key state)',
    ],
  };
}

export default async function run(): Promise<void> {
  const results: ScenarioResult[] = [];
  const footprint = await memoryFootprint();
  printScenario(footprint);
  results.push(footprint);

  // Memory store, closed loop.
  const memory = createRateLimiter({
    algorithm: 'fixed-window',
    limit: LIMIT,
    windowMs: WINDOW_MS,
  });
  const rlfMemory = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
  const memRows = await side(
    {
      'cachestack MemoryStore': (i) => memory.check(key(i)),
      RateLimiterMemory: (i) => rlfMemory.consume(key(i)),
    },
    3,
    800,
  );
  const memResult: ScenarioResult = {
    scenario: `memory store, ${CONCURRENCY} callers over ${KEYS} keys`,
    reference: 'RateLimiterMemory',
    rows: memRows,
    ratios: ratios(memRows, 'RateLimiterMemory'),
  };
  printScenario(memResult);
  results.push(memResult);

  const server = await startPrivateRedis();
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(server.url, { enableOfflineQueue: true });
    clients.push(c);
    return c;
  };
  try {
    const store = new RedisStore({ redis: client(), prefix: 'cs' });
    const limiter = createRateLimiter({
      algorithm: 'fixed-window',
      limit: LIMIT,
      windowMs: WINDOW_MS,
      store,
      failurePolicy: 'open',
      timeoutMs: 1000,
    });
    const gcraLimiter = createRateLimiter({
      algorithm: 'gcra',
      limit: LIMIT,
      windowMs: WINDOW_MS,
      store: new RedisStore({ redis: client(), prefix: 'csg' }),
      failurePolicy: 'open',
      timeoutMs: 1000,
    });
    const rlfRedis = new RateLimiterRedis({
      storeClient: client(),
      points: LIMIT,
      duration: WINDOW_MS / 1000,
      keyPrefix: 'rlf',
    });
    const raw = client();
    raw.defineCommand('rawFixedWindow', { numberOfKeys: 1, lua: RAW_LUA });
    const rawCall = (
      raw as unknown as {
        rawFixedWindow(k: string, c: number, l: number, w: number): Promise<unknown>;
      }
    ).rawFixedWindow.bind(raw);
    await Promise.all(clients.map((c) => c.ping()));

    const redisRows = await side(
      {
        'cachestack RedisStore fixed-window': (i) => limiter.check(key(i)),
        'cachestack RedisStore gcra': (i) => gcraLimiter.check(key(i)),
        RateLimiterRedis: (i) => rlfRedis.consume(key(i)),
        'raw EVALSHA per check': (i) => rawCall(`raw:${key(i)}`, 1, LIMIT, WINDOW_MS),
      },
      2,
      1000,
    );
    const redisResult: ScenarioResult = {
      scenario: `Redis store, ${CONCURRENCY} callers over ${KEYS} keys (closed loop)`,
      reference: 'RateLimiterRedis',
      rows: redisRows,
      ratios: ratios(redisRows, 'RateLimiterRedis'),
      notes: [
        `avg batch size ${(store.batchStats.requests / Math.max(1, store.batchStats.batches)).toFixed(1)} requests per script call`,
      ],
    };
    printScenario(redisResult);
    results.push(redisResult);

    const openRows: Row[] = [];
    // A limiter as deployed: default 100 ms deadline; answers past it come from the policy.
    const openStore = new RedisStore({ redis: client(), prefix: 'cso' });
    const deployed = createRateLimiter({
      algorithm: 'fixed-window',
      limit: LIMIT,
      windowMs: WINDOW_MS,
      store: openStore,
      failurePolicy: 'open',
    });
    await openLoop((i) => deployed.check(key(i)), { ratePerSec: 35_000, durationMs: 500 }); // warm-up
    const s0 = deployed.stats();
    const b0 = openStore.batchStats;
    const open = await openLoop((i) => deployed.check(key(i)), {
      ratePerSec: 35_000,
      durationMs: 3000,
    });
    const s1 = deployed.stats();
    const b1 = openStore.batchStats;
    openRows.push({
      name: 'cachestack RedisStore fixed-window',
      ...open,
      batch: Number(
        ((b1.requests - b0.requests) / Math.max(1, b1.batches - b0.batches)).toFixed(1),
      ),
      fallbacks: s1.fallbacks - s0.fallbacks,
    });
    await openLoop((i) => rawCall(`raw:${key(i)}`, 1, LIMIT, WINDOW_MS), {
      ratePerSec: 35_000,
      durationMs: 500,
    }); // warm-up
    const openRaw = await openLoop((i) => rawCall(`raw:${key(i)}`, 1, LIMIT, WINDOW_MS), {
      ratePerSec: 35_000,
      durationMs: 3000,
    });
    openRows.push({ name: 'raw EVALSHA per check', ...openRaw });
    const openResult: ScenarioResult = {
      scenario: 'open loop, 35k checks/s offered for 3 s over 1000 keys',
      reference: 'raw EVALSHA per check',
      rows: openRows,
      ratios: ratios(openRows, 'raw EVALSHA per check', 'achieved'),
      notes: [
        'Poisson arrivals; latency from each intended send time to its answer (ms); fallbacks = answers given by the open policy after the 100 ms deadline',
      ],
    };
    printScenario(openResult);
    results.push(openResult);
  } finally {
    for (const c of clients) c.disconnect();
    await server.stop();
  }
  writeResults('ratelimit', results);
}
