/**
 * Guarantee 6 with a real Redis lock: a load fenced by an invalidation releases its
 * distributed lock at once, so the next load of the key does not wait behind it until
 * its lease ends.
 */
import {
  type Bus,
  type Cache,
  createCache,
  createMemoryBusHub,
  memoryStore,
  type RemoteStore,
} from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisLocks, type RedisLocks, redisLocker } from '../src/index.js';

const prefix = uniquePrefix('locking-rai');
const LEASE_MS = 60_000;
/** Far below the lease: a load that waited for the old lock would miss it by ~50 s. */
const BOUND_MS = 10_000;

let client: Redis | undefined;
const open: { close(): Promise<unknown> }[] = [];

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
afterAll(async () => {
  if (!client) return;
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

function redis(): Redis {
  client ??= new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  return client;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves `promise`, or rejects once `ms` passed (never reached when the code is right). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A cache whose loads take a Redis lock with a long lease. */
function cacheWithRedisLock(
  name: string,
  options: { l2?: RemoteStore; bus?: Bus } = {},
): {
  cache: Cache;
  locks: RedisLocks;
} {
  const locks = createRedisLocks({ client: redis(), prefix: `${prefix}:${name}:` });
  const cache = createCache({
    l2: options.l2 ?? memoryStore(),
    ...(options.bus ? { bus: options.bus } : {}),
    lock: { locker: redisLocker({ locks }), acquireTimeoutMs: LEASE_MS, leaseMs: LEASE_MS },
  });
  open.push(locks, cache);
  return { cache, locks };
}

describe('read after invalidate with redisLocker', () => {
  it('the new load does not wait behind the old load lock', async () => {
    const { cache, locks } = cacheWithRedisLock('same');
    const lockKey = locks.keyOf('default:k');
    const gate = deferred<string>();
    const started = deferred<void>();
    const order: string[] = [];
    const early = cache.getOrSet('k', () => {
      order.push('old loader');
      started.resolve();
      return gate.promise;
    });
    await started.promise; // the old load holds the lock (taken before its loader)
    expect(await redis().exists(lockKey)).toBe(1);
    expect(await redis().pttl(lockKey)).toBeGreaterThan(BOUND_MS);
    await cache.delete('k');
    const value = await within(
      cache.getOrSet('k', () => {
        order.push('new loader');
        return 'new';
      }),
      BOUND_MS,
      'the getOrSet after delete',
    );
    order.push('new load done');
    gate.resolve('old');
    // the new load ran and finished while the old one still held its loader
    expect(value).toBe('new');
    expect(order).toEqual(['old loader', 'new loader', 'new load done']);
    expect(await early).toBe('old');
    expect(await cache.get('k')).toBe('new');
    expect(await redis().exists(lockKey)).toBe(0);
  });

  it("once B's delete reached A over the bus, B's new load does not wait behind A's lock", async () => {
    const l2 = memoryStore();
    const hub = createMemoryBusHub();
    const a = cacheWithRedisLock('pair', { l2, bus: hub.createBus() });
    const b = cacheWithRedisLock('pair', { l2, bus: hub.createBus() });
    const lockKey = a.locks.keyOf('default:k');
    const gate = deferred<string>();
    const started = deferred<void>();
    const order: string[] = [];
    const early = a.cache.getOrSet('k', () => {
      order.push('A old loader');
      started.resolve();
      return gate.promise;
    });
    await started.promise;
    expect(await redis().exists(lockKey)).toBe(1);
    const applied = new Promise<void>((resolve) => a.cache.on('bus:message', () => resolve()));
    await b.cache.delete('k');
    await applied; // A fenced its load and released its lock
    const value = await within(
      b.cache.getOrSet('k', () => {
        order.push('B new loader');
        return 'new';
      }),
      BOUND_MS,
      "B's getOrSet after delete",
    );
    order.push('B new load done');
    gate.resolve('old');
    expect(value).toBe('new');
    expect(order).toEqual(['A old loader', 'B new loader', 'B new load done']);
    expect(await early).toBe('old');
    expect(await a.cache.get('k')).toBe('new');
    expect(await redis().exists(lockKey)).toBe(0);
  });
});
