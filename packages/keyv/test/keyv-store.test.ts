import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyvStore } from '../src/index.js';

const prefix = uniquePrefix('keyv-store');
let client: Redis;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  client = new Redis(redisUrl());
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

describe('createKeyvStore', () => {
  it('maps a Keyv namespace to a cachestack namespace, keys without the Keyv prefix', async () => {
    const cache = createCache({ namespace: 'app' });
    closers.push(() => cache.close());
    const users = new Keyv({ store: createKeyvStore(cache), namespace: 'users' });
    await users.set('42', { name: 'Ada' });
    const stored = await cache.namespace('users').get<string>('42');
    expect(typeof stored).toBe('string');
    expect(JSON.parse(stored!)).toMatchObject({ value: { name: 'Ada' } });
    expect(await cache.get('users:42')).toBeUndefined();
  });

  it('passes Keyv TTLs to L2 as the entry TTL', async () => {
    const cache = createCache({
      namespace: 'ttl',
      defaults: { ttl: '1h' },
      l2: redisStore({ client, prefix: `${prefix}-ttl` }),
    });
    closers.push(() => cache.close());
    const keyv = new Keyv({ store: createKeyvStore(cache), namespace: 'n' });
    await keyv.set('short', 'v', 5_000);
    await keyv.set('default', 'v');
    // Values live under `<prefix>:{<namespace>}:k:<key>`.
    const pttlOf = async (key: string) => {
      const [name] = await client.keys(`${prefix}-ttl:*:k:${key}`);
      return client.pttl(name!);
    };
    const ttls = new Map([
      ['short', await pttlOf('short')],
      ['default', await pttlOf('default')],
    ]);
    expect(ttls.get('short')).toBeGreaterThan(0);
    expect(ttls.get('short')).toBeLessThanOrEqual(5_000);
    expect(ttls.get('default')).toBeGreaterThan(5_000);
    expect(ttls.get('default')).toBeLessThanOrEqual(3_600_000 + 60_000);
  });

  it('uses defaultTtlMs for values set without a TTL', async () => {
    const cache = createCache({
      namespace: 'dttl',
      l2: redisStore({ client, prefix: `${prefix}-dttl` }),
    });
    closers.push(() => cache.close());
    const keyv = new Keyv({ store: createKeyvStore(cache, { defaultTtlMs: 2_000 }) });
    await keyv.set('k', 'v');
    const [name] = await client.keys(`${prefix}-dttl:*:k:k`);
    const pttl = await client.pttl(name!);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(2_000);
  });

  it('serves a value set by one instance to another through Redis, and deletes everywhere', async () => {
    const a = createCache({
      namespace: 'shared',
      l2: redisStore({ client, prefix: `${prefix}-sh` }),
    });
    const b = createCache({
      namespace: 'shared',
      l2: redisStore({ client, prefix: `${prefix}-sh` }),
    });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const keyvA = new Keyv({ store: createKeyvStore(a) });
    const keyvB = new Keyv({ store: createKeyvStore(b) });
    await keyvA.set('greeting', 'hello');
    expect(await keyvB.get('greeting')).toBe('hello');
    expect(await keyvB.get(['greeting', 'nothing'])).toEqual(['hello', undefined]);
    expect(await keyvA.delete('greeting')).toBe(true);
    expect(await keyvB.get('greeting', { raw: false })).toBe('hello'); // B's L1 (no bus here)
    expect(await b.get('keyv:greeting', { skipL1: true })).toBeUndefined();
  });

  it('works as a cache-manager 7 store', async () => {
    const cache = createCache({ namespace: 'cm' });
    closers.push(() => cache.close());
    const manager = createCacheManager({ stores: [new Keyv({ store: createKeyvStore(cache) })] });
    await manager.set('user:1', { id: 1 }, 60_000);
    expect(await manager.get('user:1')).toEqual({ id: 1 });
    let calls = 0;
    const load = () => manager.wrap('user:2', async () => ({ id: 2, calls: ++calls }), 60_000);
    expect(await load()).toEqual({ id: 2, calls: 1 });
    expect(await load()).toEqual({ id: 2, calls: 1 });
    expect(await manager.mget(['user:1', 'user:3'])).toEqual([{ id: 1 }, undefined]);
    await manager.del('user:1');
    expect(await manager.get('user:1')).toBeUndefined();
    await manager.clear();
    expect(await manager.get('user:2')).toBeUndefined();
    await manager.disconnect();
    // The cache belongs to the caller: still open.
    await cache.set('after', 1);
    expect(await cache.get('after')).toBe(1);
  });

  it('forwards L2 errors as error events while someone listens', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const cache = createCache({ namespace: 'down', l2: redisStore({ client: dead, prefix }) });
    closers.push(
      () => cache.close(),
      async () => dead.disconnect(),
    );
    const store = createKeyvStore(cache);
    const errors: Error[] = [];
    const keyv = new Keyv({ store });
    keyv.on('error', (error: Error) => errors.push(error));
    await keyv.set('k', 'v');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(Error);
    await store.disconnect();
    const before = errors.length;
    await keyv.set('k2', 'v');
    expect(errors.length).toBe(before);
  });

  it('closes the cache on disconnect only when asked', async () => {
    const cache = createCache({ namespace: 'own' });
    const store = createKeyvStore(cache, { closeCacheOnDisconnect: true });
    await store.disconnect();
    await expect(cache.set('k', 1)).rejects.toMatchObject({ code: 'CACHESTACK_CLOSED' });
  });

  it('rejects what is not a cache, and a bad defaultTtlMs', () => {
    expect(() => createKeyvStore({} as never)).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    const cache = createCache({ namespace: 'bad' });
    closers.push(() => cache.close());
    expect(() => createKeyvStore(cache, { defaultTtlMs: -1 })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
  });
});
