import { isCacheStackError, TimeoutError } from '@cachestack/core';
import {
  type PrivateRedis,
  redisUrl,
  startPrivateRedis,
  uniquePrefix,
} from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisLocks,
  LockLostError,
  LockNotHeldError,
  LockTimeoutError,
  type RedisLocks,
  redisLocker,
} from '../src/index.js';

const prefix = uniquePrefix('locking-redis');
let client: Redis;

beforeAll(() => {
  client = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

function locksFor(name: string, options: Partial<Parameters<typeof createRedisLocks>[0]> = {}) {
  return createRedisLocks({ client, prefix: `${prefix}:${name}:`, ...options });
}

describe('Redis lock', () => {
  it('holds the lock in Redis with SET NX PX and releases it by token', async () => {
    const locks = locksFor('basic');
    const lock = await locks.acquire('r', { leaseMs: 5_000 });
    expect(await client.get(locks.keyOf('r'))).toBe(lock.token);
    const pttl = await client.pttl(locks.keyOf('r'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await lock.release();
    expect(await client.exists(locks.keyOf('r'))).toBe(0);
    await lock.release();
    await locks.close();
  });

  it('release does not delete a lock that expired and now belongs to another holder', async () => {
    const a = locksFor('steal');
    const b = locksFor('steal');
    const lock = await a.acquire('r', { leaseMs: 5_000 });
    await client.del(a.keyOf('r')); // the lease "expired"
    const other = await b.acquire('r', { leaseMs: 5_000 });
    await lock.release();
    expect(await client.get(a.keyOf('r'))).toBe(other.token);
    await other.release();
    await a.close();
    await b.close();
  });

  it('a waiter is woken by the release notification, not by polling', async () => {
    // Retry delays and lease far longer than the acquire timeout: only the pub/sub
    // notification can hand the lock over in time.
    const holderLocks = locksFor('notify');
    const waiterLocks = locksFor('notify', { retryDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    const holder = await holderLocks.acquire('r', { leaseMs: 60_000 });
    const waiting = waiterLocks.acquire('r', { acquireTimeoutMs: 10_000, leaseMs: 5_000 });
    // Let the waiter fail once and subscribe before releasing.
    await new Promise<void>((resolve) => {
      const poll = () =>
        client.pubsub('NUMSUB', `${holderLocks.keyOf('r')}:released`).then((reply) => {
          if (Number((reply as [string, number])[1]) > 0) resolve();
          else setImmediate(poll);
        });
      poll();
    });
    await holder.release();
    const lock = await waiting;
    expect(lock.held).toBe(true);
    expect(waiterLocks.stats().contendedAcquisitions).toBe(1);
    await lock.release();
    await holderLocks.close();
    await waiterLocks.close();
  });

  it('a waiter takes a lock whose holder vanished once its TTL runs out, without a release message', async () => {
    // Long backoff: only the holder's remaining TTL (returned by the acquire script)
    // can bring the retry forward in time.
    const locks = locksFor('vanished', { retryDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    await client.set(locks.keyOf('r'), 'crashed-holder', 'PX', 300);
    const lock = await locks.acquire('r', { acquireTimeoutMs: 10_000 });
    expect(await client.get(locks.keyOf('r'))).toBe(lock.token);
    expect(locks.stats().contendedAcquisitions).toBe(1);
    await lock.release();
    await locks.close();
  });

  it('fencing tokens strictly increase per resource, even after the counter key is gone', async () => {
    const locks = locksFor('fence');
    const tokens: number[] = [];
    for (let i = 0; i < 5; i++) {
      const lock = await locks.acquire('r');
      tokens.push(lock.fencingToken!);
      await lock.release();
      if (i === 2) await client.del(`${locks.keyOf('r')}:fence`);
    }
    expect(tokens.every((t, i) => i === 0 || t > tokens[i - 1]!)).toBe(true);
    await locks.close();
  });

  it('times out with a typed error while another holder keeps the lock', async () => {
    const locks = locksFor('timeout');
    const holder = await locks.acquire('r', { leaseMs: 30_000 });
    const error = await locks.acquire('r', { acquireTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(isCacheStackError(error, 'CACHESTACK_LOCK_TIMEOUT')).toBe(true);
    expect(locks.stats().timeouts).toBe(1);
    await holder.release();
    await locks.close();
  });

  it('an aborted wait rejects with the signal reason and leaves the lock to its holder', async () => {
    const locks = locksFor('abort');
    const holder = await locks.acquire('r', { leaseMs: 30_000 });
    const controller = new AbortController();
    const waiting = locks.acquire('r', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('caller left'));
    expect(((await waiting) as Error).message).toBe('caller left');
    expect(await client.get(locks.keyOf('r'))).toBe(holder.token);
    expect(locks.stats().waiters).toBe(0);
    await holder.release();
    await locks.close();
  });

  it('extend after the lock changed hands fires the signal with LockLostError', async () => {
    const a = locksFor('extend');
    const b = locksFor('extend');
    const lock = await a.acquire('r', { leaseMs: 30_000 });
    await client.del(a.keyOf('r'));
    const other = await b.acquire('r');
    const error = await lock.extend().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    await expect(lock.extend()).rejects.toBeInstanceOf(LockNotHeldError);
    await other.release();
    await a.close();
    await b.close();
  });

  it('using() extends the lock while fn runs longer than the lease', async () => {
    const locks = locksFor('using');
    const result = await locks.using(
      'r',
      async (lock) => {
        for (let i = 0; i < 4; i++) {
          const before = lock.validUntil;
          // Wait until an automatic extension moved validUntil forward.
          await new Promise<void>((resolve) => {
            const check = () => (lock.validUntil > before ? resolve() : setTimeout(check, 20));
            check();
          });
        }
        return lock.signal.aborted ? 'lost' : 'held';
      },
      { leaseMs: 300 },
    );
    expect(result).toBe('held');
    expect(await client.exists(locks.keyOf('r'))).toBe(0);
    await locks.close();
  });

  it('serialises callers of one process through the local queue', async () => {
    const locks = locksFor('local');
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        locks.using('r', async () => {
          inside++;
          max = Math.max(max, inside);
          await new Promise((r) => setImmediate(r));
          inside--;
        }),
      ),
    );
    expect(max).toBe(1);
    expect(locks.stats()).toMatchObject({ acquisitions: 20, holders: 0, waiters: 0 });
    await locks.close();
  });

  it('redisLocker implements core Locker', async () => {
    const locker = redisLocker({ client, prefix: `${prefix}:locker:` });
    const lock = await locker.acquire('ns:key', { timeoutMs: 1000, leaseMs: 1000 });
    expect(lock.resource).toBe('ns:key');
    expect(typeof lock.fencingToken).toBe('number');
    const second = await locker
      .acquire('ns:key', { timeoutMs: 100, leaseMs: 1000 })
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(LockTimeoutError);
    await lock.release();
    await locker.close();
  });

  it('close rejects a waiter at once and aborts holders', async () => {
    const locks = locksFor('close-wait', { retryDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    const other = locksFor('close-wait');
    const held = await other.acquire('r', { leaseMs: 60_000 });
    const mine = await locks.acquire('s');
    const waiting = locks.acquire('r', { acquireTimeoutMs: 60_000 }).catch((e: unknown) => e);
    await new Promise<void>((resolve) => {
      const poll = () => (locks.stats().waiters > 0 ? resolve() : setImmediate(poll));
      poll();
    });
    await locks.close();
    expect(await waiting).toMatchObject({ code: 'CACHESTACK_CLOSED' });
    expect(mine.signal.aborted).toBe(true);
    await held.release();
    await other.close();
  });

  it('close refuses further acquisitions', async () => {
    const locks = locksFor('closed');
    await locks.close();
    await locks.close();
    await expect(locks.acquire('r')).rejects.toMatchObject({ code: 'CACHESTACK_CLOSED' });
  });
});

describe('Redis lock under faults (private server)', () => {
  let server: PrivateRedis;
  let faulty: Redis;
  let locks: RedisLocks;

  beforeAll(async () => {
    server = await startPrivateRedis();
    faulty = new Redis(server.url, { maxRetriesPerRequest: 1 });
    locks = createRedisLocks({ client: faulty, prefix: 'p:', commandTimeoutMs: 200 });
  });

  afterAll(async () => {
    await locks.close();
    faulty.disconnect();
    await server.stop();
  });

  it('a holder that cannot extend through CLIENT PAUSE loses the lock (signal fires), and the next holder gets a larger fencing token', async () => {
    let firstToken = 0;
    const outcome = locks
      .using(
        'r',
        (lock) =>
          new Promise<void>((resolve) => {
            firstToken = lock.fencingToken!;
            lock.signal.addEventListener('abort', () => resolve(), { once: true });
            server.pause(1_500).catch(() => {});
          }),
        { leaseMs: 600 },
      )
      .catch((e: unknown) => e);
    const error = await outcome;
    expect(error).toBeInstanceOf(LockLostError);
    const other = createRedisLocks({ client: faulty, prefix: 'p:', commandTimeoutMs: 5_000 });
    const next = await other.acquire('r', { acquireTimeoutMs: 10_000 });
    expect(firstToken).toBeGreaterThan(0);
    expect(next.fencingToken).toBeGreaterThan(firstToken);
    expect(next.held).toBe(true);
    await next.release();
    await other.close();
  });

  it('acquire fails fast with a deadline error while the server does not answer', async () => {
    await server.pause(1_000);
    const error = await locks.acquire('q', { acquireTimeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
