import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { dropSchema } from './db/database.js';
import { CATEGORIES } from './db/seed.js';

// Drives a realistic mix against the service with autocannon and prints the hit rate,
// latency percentiles and throughput. Starts the app in-process on embedded defaults
// unless LOAD_URL (with ADMIN_API_KEY) points at a running one.
//   pnpm --filter @cachestack/example load            # 10 s, 16 connections
//   LOAD_DURATION_S=30 LOAD_CONNECTIONS=32 pnpm --filter @cachestack/example load

const durationS = Number(process.env.LOAD_DURATION_S ?? 10);
const connections = Number(process.env.LOAD_CONNECTIONS ?? 16);
const USERS = 200;
const PRODUCTS = 500;
const ORDERS = 2000;

/** A skewed id in [1, n]: low ids are hot (about 80% of reads hit 45% of the ids). */
const skewed = (n: number) => 1 + Math.floor(n * Math.random() ** 2);

interface Totals {
  hits: number;
  misses: number;
}

async function cacheTotals(url: string, key: string): Promise<Totals> {
  const res = await fetch(`${url}/cache/status`, { headers: { 'x-api-key': key } });
  const status = (await res.json()) as {
    totals: Record<string, { l1: number; l2: number; stale: number; miss: number }>;
  };
  let hits = 0;
  let misses = 0;
  for (const c of Object.values(status.totals)) {
    hits += c.l1 + c.l2 + c.stale;
    misses += c.miss;
  }
  return { hits, misses };
}

/** One request of the mix: 93% reads, 7% writes. */
function nextRequest(): { method: 'GET' | 'PUT' | 'POST'; path: string; body?: string } {
  const r = Math.random();
  if (r < 0.3) return { method: 'GET', path: `/api/products/${skewed(PRODUCTS)}` };
  if (r < 0.55) return { method: 'GET', path: `/api/users/${skewed(USERS)}` };
  if (r < 0.75) return { method: 'GET', path: `/api/users/${skewed(USERS)}/orders` };
  if (r < 0.85) {
    const c = CATEGORIES[Math.floor(Math.random() * CATEGORIES.length)];
    return { method: 'GET', path: `/api/categories/${c}/products` };
  }
  if (r < 0.93) return { method: 'GET', path: `/api/orders/${skewed(ORDERS)}` };
  if (r < 0.97) {
    return {
      method: 'PUT',
      path: `/api/products/${skewed(PRODUCTS)}`,
      body: JSON.stringify({ stock: 5000 + Math.floor(Math.random() * 1000) }),
    };
  }
  return {
    method: 'POST',
    path: '/api/orders',
    body: JSON.stringify({ userId: skewed(USERS), productId: skewed(PRODUCTS), quantity: 1 }),
  };
}

/** Removes the run's keys from a shared Redis (SCAN + UNLINK under its prefix). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  let url = process.env.LOAD_URL;
  let key = process.env.ADMIN_API_KEY ?? '';
  let close = async () => {};
  if (url === undefined) {
    key = 'load-script-admin-key-0123';
    const app = await buildApp({
      adminApiKey: key,
      databaseUrl: process.env.DATABASE_URL || undefined,
      databaseSchema: process.env.DATABASE_URL ? `load_${process.pid}` : undefined,
      redisUrl: process.env.REDIS_URL || undefined,
      redisPrefix: `load-${process.pid}`,
      logger: pino({ level: 'warn' }),
      // One client IP sends everything: limits are still checked on every request, with
      // a limit this load does not reach.
      config: {
        rateLimits: { api: { algorithm: 'sliding-window', limit: 10_000_000, windowMs: '1m' } },
      },
    });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
    close = async () => {
      await app.close();
      if (process.env.DATABASE_URL)
        await dropSchema(process.env.DATABASE_URL, `load_${process.pid}`);
      if (process.env.REDIS_URL) await deleteKeys(process.env.REDIS_URL, `load-${process.pid}`);
    };
    console.log(`started the app on ${url} (${app.db.kind}, ${app.runtime.stack.l2Kind} L2)`);
  }
  if (process.env.LOAD_WARMUP !== '0') {
    const t = performance.now();
    const res = await fetch(`${url}/cache/warmup`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ wait: true }),
    });
    const { warmup } = (await res.json()) as { warmup: { progress?: { done: number } } };
    console.log(
      `warmed ${warmup.progress?.done ?? 0} keys in ${Math.round(performance.now() - t)} ms (LOAD_WARMUP=0 skips)`,
    );
  }
  const before = await cacheTotals(url, key);
  console.log(`running ${durationS} s with ${connections} connections against ${url} ...`);
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    requests: [
      {
        setupRequest: (req) => {
          const next = nextRequest();
          // Only writes carry a JSON body (fastify refuses an empty JSON body).
          return next.body === undefined
            ? { ...req, method: next.method, path: next.path, headers: {}, body: '' }
            : {
                ...req,
                method: next.method,
                path: next.path,
                headers: { 'content-type': 'application/json' },
                body: next.body,
              };
        },
      },
    ],
  });
  const after = await cacheTotals(url, key);
  await close();
  const hits = after.hits - before.hits;
  const reads = hits + after.misses - before.misses;
  const l = result.latency;
  console.log('\nresults');
  console.log(
    `  requests         ${result.requests.total} (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts)`,
  );
  console.log(
    `  throughput       ${Math.round(result.requests.average)} req/s (mean over ${result.duration} s)`,
  );
  console.log(`  latency (ms)     p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}`);
  console.log(
    `  cache hit rate   ${reads === 0 ? 'n/a' : `${((100 * hits) / reads).toFixed(1)}%`} of ${reads} cache reads`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
