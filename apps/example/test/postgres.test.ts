import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { dropSchema } from '../src/db/database.js';
import { apiBehaviour } from './api-behaviour.js';
import { admin, testApp, uniqueName } from './helpers.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const available = await postgresAnswers();
if (!available) {
  console.warn(`[example] PostgreSQL tests skipped: nothing answers at ${DATABASE_URL}`);
}

/** Deletes every key under `prefix` on the shared Redis (SCAN + UNLINK, never FLUSH). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
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

// PostgreSQL (its own schema per run) with the L2 on the shared Redis (its own prefix).
// The test command makes sure a Redis answers at REDIS_URL.
describe.skipIf(!available)('on PostgreSQL with the L2 on Redis', () => {
  const schema = uniqueName('example');
  const prefix = uniquePrefix('example');
  const url = redisUrl();
  let app: App;
  beforeAll(async () => {
    app = await testApp({
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: url,
      redisPrefix: prefix,
    });
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(DATABASE_URL, schema);
    await deleteKeys(url, prefix);
  });

  it('runs on the PostgreSQL pool and the Redis store', async () => {
    const status = (
      await app.server.inject({ method: 'GET', url: '/cache/status', headers: admin })
    ).json();
    expect(status.database).toBe('postgres');
    expect(status.l2).toMatchObject({ kind: 'redis', circuit: 'closed' });
    expect(status.bus).toBe('connected');
    const states = Object.fromEntries(
      status.integrations.map((i: { name: string; state: string }) => [i.name, i.state]),
    );
    expect(states).toMatchObject({
      '@cachestack/redis': 'active',
      '@cachestack/coherency': 'active',
      '@cachestack/locking': 'active',
    });
    expect(status.rateLimit.detail).toContain('Redis store');
  });

  it('serves an entry from Redis once L1 no longer has it', async () => {
    const first = (await app.server.inject({ method: 'GET', url: '/api/products/12' })).json();
    const redis = new Redis(url);
    try {
      const keys = await redis.keys(`${prefix}*product:12*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
    const products = app.runtime.stack.ns.products;
    const fromL2 = await products.get('shop:v1:products:product:12', { skipL1: true });
    expect(fromL2).toEqual(
      JSON.parse(JSON.stringify(first), (k, v) => (k === 'updatedAt' ? new Date(v) : v)),
    );
  });

  it('migrates users live from their legacy keys: fallback, backfill, dual write', async () => {
    const redis = new Redis(url);
    try {
      const legacyKey = `${prefix}:legacy:user:33`;
      const legacy = {
        id: 33,
        name: 'Legacy 33',
        email: 'old@example.com',
        tier: 'free',
        version: 1,
      };
      await redis.set(legacyKey, JSON.stringify(legacy), 'PX', 60_000);
      const read = (await app.server.inject({ method: 'GET', url: '/api/users/33' })).json();
      expect(read).toMatchObject({ name: 'Legacy 33' });
      const view = (
        await app.server.inject({ method: 'GET', url: '/cache/migration', headers: admin })
      ).json();
      expect(view.mode).toBe('dual-write');
      expect(view.stats).toMatchObject({ fallbacks: 1, backfills: 1 });

      await app.server.inject({ method: 'PUT', url: '/api/users/33', payload: { name: 'New 33' } });
      expect(JSON.parse((await redis.get(legacyKey))!)).toMatchObject({ name: 'New 33' });

      const switched = await app.server.inject({
        method: 'PUT',
        url: '/cache/migration',
        headers: admin,
        payload: { mode: 'read-new-fallback-legacy' },
      });
      expect(switched.json().mode).toBe('read-new-fallback-legacy');
      await app.server.inject({
        method: 'PUT',
        url: '/api/users/33',
        payload: { name: 'Newer 33' },
      });
      expect(await redis.exists(legacyKey)).toBe(0);
      expect((await app.server.inject({ method: 'GET', url: '/api/users/33' })).json().name).toBe(
        'Newer 33',
      );
    } finally {
      redis.disconnect();
    }
  });

  apiBehaviour(() => app);
});
