import { type Cache, createCache, memoryStore } from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type ClosableLocker, createLocalLocks, redisLocker } from '../src/index.js';

const prefix = uniquePrefix('locking-sf');
const clients: Redis[] = [];
const lockers: ClosableLocker[] = [];
const caches: Cache[] = [];

afterAll(async () => {
  for (const cache of caches) await cache.close();
  for (const locker of lockers) await locker.close();
  const admin = new Redis(redisUrl());
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
  for (const client of clients) client.disconnect();
});

describe('redisLocker with core createCache', () => {
  it('4 cache instances sharing an L2, each with its own Redis connection, call the loader once for 200 concurrent getOrSet', async () => {
    // One in-process L2 stands in for a shared store; the lock goes through Redis
    // exactly as between processes (separate connections, separate lock instances).
    const l2 = memoryStore();
    for (let i = 0; i < 4; i++) {
      const client = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
      clients.push(client);
      const locker = redisLocker({ client, prefix: `${prefix}:lock:` });
      lockers.push(locker);
      caches.push(
        createCache({
          namespace: 'sf',
          l2,
          lock: { locker, acquireTimeoutMs: 10_000, leaseMs: 10_000 },
        }),
      );
    }
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { answer: 42 };
    };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => caches[i % 4]!.getOrSet('hot', loader)),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => r.answer === 42)).toBe(true);
  });

  it('local locks serve as core Locker for caches of one process sharing an L2', async () => {
    const l2 = memoryStore();
    const locks = createLocalLocks();
    const local = [0, 1, 2].map(() =>
      createCache({ namespace: 'sf-local', l2, lock: { locker: locks } }),
    );
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'v';
    };
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => local[i % 3]!.getOrSet('k', loader)),
    );
    expect(calls).toBe(1);
    expect(new Set(results)).toEqual(new Set(['v']));
    for (const cache of local) await cache.close();
    await locks.close();
  });
});
