import { type Cache, ClosedError, createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidModeError,
  type LegacyKeysCache,
  LegacyStoreError,
  type MigrationMode,
  withLegacyKeys,
} from '../src/index.js';
import { deleteKeys, newPttl, readNew } from './helpers.js';

const prefix = uniquePrefix('migrate-wrap');
const NS = 'users';
let client: Redis;
let cache: Cache;
let caches: Cache[] = [];
let id = 0;

const legacyOf = (n: string | number) => `${prefix}:legacy:u:${n}`;
const map = { 'user:{id}': `${prefix}:legacy:u:{id}` };

function freshCache(): Cache {
  // cache.close() closes its store: one store per cache.
  const c = createCache({
    namespace: NS,
    l2: { store: redisStore({ client, prefix }) },
    defaults: { ttl: '10m' },
  });
  caches.push(c);
  return c;
}

function wrap(mode: MigrationMode, c: Cache = cache): LegacyKeysCache {
  return withLegacyKeys(c, { legacy: map, client, mode });
}

/** A key id unused by other tests, so tests never share keys. */
function next(): string {
  id++;
  return String(id);
}

beforeAll(async () => {
  client = new Redis(redisUrl());
});

beforeEach(() => {
  cache = freshCache();
});

afterEach(async () => {
  await Promise.all(caches.map((c) => c.close()));
  caches = [];
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  await client.quit();
});

describe('read-new-fallback-legacy', () => {
  it('serves a legacy value and backfills the new key with the remaining TTL', async () => {
    const n = next();
    await client.set(legacyOf(n), JSON.stringify({ name: 'Ada' }), 'PX', 60_000);
    const lk = wrap('read-new-fallback-legacy');
    expect(await lk.get(`user:${n}`)).toEqual({ name: 'Ada' });
    expect((await readNew(client, prefix, NS, `user:${n}`))?.value).toEqual({ name: 'Ada' });
    const pttl = await newPttl(client, prefix, NS, `user:${n}`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(lk.stats()).toMatchObject({ fallbacks: 1, backfills: 1, legacyMisses: 0 });
    // The second read comes from the new key: no further fallback.
    await client.set(legacyOf(n), JSON.stringify({ name: 'changed' }), 'PX', 60_000);
    expect(await lk.get(`user:${n}`)).toEqual({ name: 'Ada' });
    expect(lk.stats().fallbacks).toBe(1);
  });

  it('backfills a legacy key without expiry with the cache default TTL', async () => {
    const n = next();
    await client.set(legacyOf(n), 'plain text');
    const lk = wrap('read-new-fallback-legacy');
    expect(await lk.get(`user:${n}`)).toBe('plain text');
    const pttl = await newPttl(client, prefix, NS, `user:${n}`);
    expect(pttl).toBeGreaterThan(590_000);
    expect(pttl).toBeLessThanOrEqual(600_000);
  });

  it('writes only the new key and deletes the legacy key so it cannot shadow the write later', async () => {
    const n = next();
    await client.set(legacyOf(n), '"old"', 'PX', 60_000);
    const lk = wrap('read-new-fallback-legacy');
    await lk.set(`user:${n}`, 'new', { ttl: 30_000 });
    expect(await client.exists(legacyOf(n))).toBe(0);
    expect((await readNew(client, prefix, NS, `user:${n}`))?.value).toBe('new');
    expect(lk.stats()).toMatchObject({ dualWrites: 0, legacyDeletes: 1 });
  });

  it('deletes both keys, so a deleted value is not read back from legacy', async () => {
    const n = next();
    await client.set(legacyOf(n), '1', 'PX', 60_000);
    const lk = wrap('read-new-fallback-legacy');
    expect(await lk.get(`user:${n}`)).toBe(1);
    await lk.delete(`user:${n}`);
    expect(await client.exists(legacyOf(n))).toBe(0);
    expect(await readNew(client, prefix, NS, `user:${n}`)).toBeUndefined();
    expect(await lk.get(`user:${n}`)).toBeUndefined();
    expect(lk.stats().legacyMisses).toBe(1);
  });

  it('does not backfill a legacy key deleted while the read was falling back', async () => {
    const n = next();
    await client.set(legacyOf(n), '"doomed"', 'PX', 60_000);
    let decodes = 0;
    const lk = withLegacyKeys(cache, {
      legacy: map,
      client,
      mode: 'read-new-fallback-legacy',
      decode: (raw) => {
        // Queued on the same connection before the re-read of the backfill load.
        if (decodes++ === 0) void client.unlink(legacyOf(n));
        return JSON.parse(raw);
      },
    });
    expect(await lk.get(`user:${n}`)).toBeUndefined();
    expect(await readNew(client, prefix, NS, `user:${n}`)).toBeUndefined();
    expect(lk.stats().backfills).toBe(0);
  });

  it('reads many keys: new hits, legacy fallbacks and misses in order', async () => {
    const [a, b, c] = [next(), next(), next()];
    const lk = wrap('read-new-fallback-legacy');
    await lk.set(`user:${a}`, 'A');
    await client.set(legacyOf(b), '"B"', 'PX', 60_000);
    expect(await lk.getMany([`user:${a}`, `user:${b}`, `user:${c}`])).toEqual([
      'A',
      'B',
      undefined,
    ]);
    expect(lk.stats()).toMatchObject({ fallbacks: 1, backfills: 1, legacyMisses: 1 });
    expect((await readNew(client, prefix, NS, `user:${b}`))?.value).toBe('B');
  });

  it('getOrSet returns the legacy value without running the loader', async () => {
    const n = next();
    await client.set(legacyOf(n), '{"v":1}', 'PX', 60_000);
    const lk = wrap('read-new-fallback-legacy');
    let calls = 0;
    const value = await lk.getOrSet(`user:${n}`, () => {
      calls++;
      return { v: 2 };
    });
    expect(value).toEqual({ v: 1 });
    expect(calls).toBe(0);
    const missing = next();
    expect(await lk.getOrSet(`user:${missing}`, () => 'loaded')).toBe('loaded');
    expect(await client.exists(legacyOf(missing))).toBe(0);
  });

  it('has() sees a key that exists only in legacy', async () => {
    const n = next();
    await client.set(legacyOf(n), '1', 'PX', 60_000);
    expect(await wrap('read-new-fallback-legacy').has(`user:${n}`)).toBe(true);
    expect(await wrap('new-only').has(`user:${n}`)).toBe(false);
  });
});

describe('dual-write', () => {
  it('writes the legacy key (JSON, with the TTL of the call) and the new key', async () => {
    const n = next();
    const lk = wrap('dual-write');
    await lk.set(`user:${n}`, { a: 1 }, { ttl: 45_000 });
    expect(await client.get(legacyOf(n))).toBe('{"a":1}');
    const legacyTtl = await client.pttl(legacyOf(n));
    expect(legacyTtl).toBeGreaterThan(40_000);
    expect(legacyTtl).toBeLessThanOrEqual(45_000);
    expect((await readNew(client, prefix, NS, `user:${n}`))?.value).toEqual({ a: 1 });
    expect(lk.stats().dualWrites).toBe(1);
  });

  it('writes the legacy key with defaultTtl when the call gives none', async () => {
    const n = next();
    const lk = withLegacyKeys(cache, { legacy: map, client, mode: 'dual-write', defaultTtl: '2m' });
    await lk.setMany([{ key: `user:${n}`, value: 'x' }]);
    const pttl = await client.pttl(legacyOf(n));
    expect(pttl).toBeGreaterThan(110_000);
    expect(pttl).toBeLessThanOrEqual(120_000);
  });

  it('deletes both keys', async () => {
    const n = next();
    const lk = wrap('dual-write');
    await lk.set(`user:${n}`, 1);
    await lk.deleteMany([`user:${n}`]);
    expect(await client.exists(legacyOf(n))).toBe(0);
    expect(await readNew(client, prefix, NS, `user:${n}`)).toBeUndefined();
    expect(lk.stats().legacyDeletes).toBe(1);
  });

  it('reads fall back to legacy and backfill', async () => {
    const n = next();
    await client.set(legacyOf(n), '"legacy"', 'PX', 30_000);
    const lk = wrap('dual-write');
    expect(await lk.get(`user:${n}`)).toBe('legacy');
    const pttl = await newPttl(client, prefix, NS, `user:${n}`);
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('getOrSet writes a loaded value to the legacy key only when it is absent', async () => {
    const n = next();
    const lk = wrap('dual-write');
    expect(await lk.getOrSet(`user:${n}`, () => 'loaded', { ttl: 20_000 })).toBe('loaded');
    expect(await client.get(legacyOf(n))).toBe('"loaded"');
    const pttl = await client.pttl(legacyOf(n));
    expect(pttl).toBeGreaterThan(15_000);
    expect(pttl).toBeLessThanOrEqual(20_000);
  });

  it('a failed legacy write throws and leaves the new key untouched', async () => {
    const n = next();
    // A client that was closed: every command fails at once.
    const broken = new Redis(redisUrl(), { lazyConnect: true, enableOfflineQueue: false });
    broken.on('error', () => {});
    await broken.connect();
    broken.disconnect();
    const lk = withLegacyKeys(cache, { legacy: map, client: broken, mode: 'dual-write' });
    const errors: unknown[] = [];
    lk.on('legacy:error', (e) => errors.push(e.error));
    const error = await lk.set(`user:${n}`, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyStoreError);
    expect((error as LegacyStoreError).code).toBe('CACHESTACK_MIGRATE_LEGACY_STORE');
    expect(errors).toHaveLength(1);
    expect(await readNew(client, prefix, NS, `user:${n}`)).toBeUndefined();
    // A read whose legacy side fails is a counted miss, not a hang or a throw.
    expect(await lk.get(`user:${next()}`)).toBeUndefined();
    expect(lk.stats().legacyErrors).toBe(2);
  });
});

describe('new-only', () => {
  it('never reads, writes or deletes legacy keys', async () => {
    const n = next();
    await client.set(legacyOf(n), '"legacy"', 'PX', 60_000);
    const lk = wrap('new-only');
    expect(await lk.get(`user:${n}`)).toBeUndefined();
    expect(await lk.getMany([`user:${n}`])).toEqual([undefined]);
    await lk.set(`user:${n}`, 'new');
    expect(await client.get(legacyOf(n))).toBe('"legacy"');
    expect(await lk.get(`user:${n}`)).toBe('new');
    await lk.delete(`user:${n}`);
    expect(await client.get(legacyOf(n))).toBe('"legacy"');
    expect(lk.stats()).toEqual({
      fallbacks: 0,
      legacyMisses: 0,
      backfills: 0,
      dualWrites: 0,
      legacyDeletes: 0,
      legacyErrors: 0,
    });
  });
});

describe('switching modes', () => {
  it('follows setMode, a mode function and a config object at each call', async () => {
    const n = next();
    await client.set(legacyOf(n), '"L"', 'PX', 60_000);
    const config = { mode: 'new-only' as MigrationMode };
    const lk = withLegacyKeys(cache, { legacy: map, client, mode: config });
    expect(await lk.get(`user:${n}`)).toBeUndefined();
    config.mode = 'read-new-fallback-legacy';
    expect(lk.mode).toBe('read-new-fallback-legacy');
    expect(await lk.get(`user:${n}`)).toBe('L');
    let flag: MigrationMode = 'dual-write';
    lk.setMode(() => flag);
    const m = next();
    await lk.set(`user:${m}`, 'both');
    expect(await client.get(legacyOf(m))).toBe('"both"');
    flag = 'new-only';
    await lk.set(`user:${m}`, 'only new');
    expect(await client.get(legacyOf(m))).toBe('"both"');
  });

  it('rejects an unknown mode with a typed error', async () => {
    expect(() => wrap('dual' as MigrationMode)).toThrow(InvalidModeError);
    const lk = withLegacyKeys(cache, { legacy: map, client, mode: () => 'nope' as MigrationMode });
    await expect(lk.get('user:1')).rejects.toMatchObject({
      code: 'CACHESTACK_MIGRATE_INVALID_MODE',
    });
  });
});

describe('lifecycle', () => {
  it('close is idempotent and later calls throw ClosedError; the cache stays open', async () => {
    const lk = wrap('dual-write');
    await lk.close();
    await lk.close();
    await expect(lk.get('user:1')).rejects.toBeInstanceOf(ClosedError);
    await expect(lk.set('user:1', 1)).rejects.toBeInstanceOf(ClosedError);
    await cache.set('still-open', 1);
    expect(await cache.get('still-open')).toBe(1);
  });

  it('maps logical keys to new keys with newKey', async () => {
    const n = next();
    await client.set(legacyOf(n), '"v"', 'PX', 60_000);
    const lk = withLegacyKeys(cache, {
      legacy: map,
      client,
      mode: 'read-new-fallback-legacy',
      newKey: (key) => `v2:${key}`,
    });
    expect(await lk.get(`user:${n}`)).toBe('v');
    expect((await readNew(client, prefix, NS, `v2:user:${n}`))?.value).toBe('v');
    expect(await cache.get(`v2:user:${n}`)).toBe('v');
  });

  it('a second cache instance reads the backfilled key from Redis', async () => {
    const n = next();
    await client.set(legacyOf(n), '42', 'PX', 60_000);
    await wrap('read-new-fallback-legacy').get(`user:${n}`);
    await client.unlink(legacyOf(n));
    expect(await wrap('read-new-fallback-legacy', freshCache()).get(`user:${n}`)).toBe(42);
  });
});
