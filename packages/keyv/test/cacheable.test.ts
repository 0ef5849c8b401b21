import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Cacheable } from 'cacheable';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyvStore } from '../src/index.js';

const prefix = uniquePrefix('keyv-cacheable');
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

/** A cachestack cache on the shared Redis (L1 + L2), closed after the test. */
function cachestack(namespace: string, keyPrefix: string) {
  const cache = createCache({ namespace, l2: redisStore({ client, prefix: keyPrefix }) });
  closers.push(() => cache.close());
  return cache;
}

describe('createKeyvStore under cacheable 2', () => {
  it('serves get, set with a TTL, setMany, getMany, has, take, delete and clear as the primary store', async () => {
    const cache = cachestack('cacheable', `${prefix}-primary`);
    const cacheable = new Cacheable({ primary: new Keyv({ store: createKeyvStore(cache) }) });
    expect(await cacheable.set('user:1', { id: 1 }, '5s')).toBe(true);
    expect(await cacheable.get('user:1')).toEqual({ id: 1 });
    // cacheable's TTL reaches L2 as the entry TTL (Keyv's default namespace is `keyv`).
    const [stored] = await client.keys(`${prefix}-primary:*:k:user:1`);
    const pttl = await client.pttl(stored!);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(JSON.parse((await cache.namespace('keyv').get<string>('user:1'))!)).toMatchObject({
      value: { id: 1 },
    });
    await cacheable.setMany([
      { key: 'user:2', value: { id: 2 } },
      { key: 'user:3', value: { id: 3 }, ttl: 60_000 },
    ]);
    expect(await cacheable.getMany(['user:1', 'user:4', 'user:3'])).toEqual([
      { id: 1 },
      undefined,
      { id: 3 },
    ]);
    expect(await cacheable.has('user:2')).toBe(true);
    expect(await cacheable.hasMany(['user:2', 'user:4'])).toEqual([true, false]);
    expect(await cacheable.delete('user:1')).toBe(true);
    expect(await cacheable.get('user:1')).toBeUndefined();
    expect(await cacheable.take('user:2')).toEqual({ id: 2 });
    expect(await cacheable.has('user:2')).toBe(false);
    await cacheable.deleteMany(['user:3']);
    expect(await cacheable.get('user:3')).toBeUndefined();
    await cacheable.set('user:5', 5);
    await cacheable.clear();
    expect(await cacheable.get('user:5')).toBeUndefined();
    expect(await cache.namespace('keyv').get('user:5', { skipL1: true })).toBeUndefined();
  });

  it('memoizes with wrap and getOrSet: the function runs once per key', async () => {
    const cache = cachestack('cacheable', `${prefix}-wrap`);
    const cacheable = new Cacheable({ primary: new Keyv({ store: createKeyvStore(cache) }) });
    let calls = 0;
    const fetchUser = cacheable.wrap(async (id: number) => ({ id, calls: ++calls }), {
      ttl: '1m',
      keyPrefix: 'user',
    });
    expect(await fetchUser(7)).toEqual({ id: 7, calls: 1 });
    expect(await fetchUser(7)).toEqual({ id: 7, calls: 1 });
    expect(await fetchUser(8)).toEqual({ id: 8, calls: 2 });
    let loads = 0;
    const config = () =>
      cacheable.getOrSet('config', async () => ({ loads: ++loads }), { ttl: '1m' });
    expect(await config()).toEqual({ loads: 1 });
    expect(await config()).toEqual({ loads: 1 });
    expect(await cacheable.get('config')).toEqual({ loads: 1 });
  });

  it('shares values between instances as the secondary store behind cacheable’s in-memory primary', async () => {
    const keyPrefix = `${prefix}-secondary`;
    const a = new Cacheable({
      secondary: new Keyv({ store: createKeyvStore(cachestack('app', keyPrefix)) }),
    });
    const b = new Cacheable({
      secondary: new Keyv({ store: createKeyvStore(cachestack('app', keyPrefix)) }),
    });
    await a.set('greeting', 'hello', '1m');
    // B's primary is empty: the value comes from cachestack (its L2 on Redis).
    expect(await b.get('greeting')).toBe('hello');
    expect(await b.getMany(['greeting', 'nothing'])).toEqual(['hello', undefined]);
    await a.delete('greeting');
    // B's own in-memory primary still has it (cacheable has no cross-instance invalidation),
    // but cachestack no longer does.
    const fresh = new Cacheable({
      secondary: new Keyv({ store: createKeyvStore(cachestack('app', keyPrefix)) }),
    });
    expect(await fresh.get('greeting')).toBeUndefined();
  });
});
