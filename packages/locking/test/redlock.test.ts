import { type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedlock,
  LockQuorumError,
  LockTimeoutError,
  type Redlock,
  redisLocker,
} from '../src/index.js';

describe('Redlock over 3 private nodes', () => {
  let servers: PrivateRedis[];
  let clients: Redis[];
  let redlock: Redlock;

  beforeAll(async () => {
    servers = await Promise.all([startPrivateRedis(), startPrivateRedis(), startPrivateRedis()]);
    clients = servers.map((s) => {
      const c = new Redis(s.url, { maxRetriesPerRequest: 1 });
      c.on('error', () => {}); // stopped nodes refuse connections on purpose
      return c;
    });
    redlock = createRedlock({ clients, prefix: 'rl:', commandTimeoutMs: 300 });
  });

  afterAll(async () => {
    await redlock.close();
    for (const c of clients) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('holds the lock on every node and excludes a second holder', async () => {
    const lock = await redlock.acquire('a', { leaseMs: 5_000 });
    const values = await Promise.all(clients.map((c) => c.get('rl:{a}')));
    expect(values).toEqual([lock.token, lock.token, lock.token]);
    expect(lock.validUntil).toBeGreaterThan(performance.now());
    const other = createRedlock({ clients, prefix: 'rl:', commandTimeoutMs: 300 });
    const error = await other.acquire('a', { acquireTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    await lock.release();
    expect(await Promise.all(clients.map((c) => c.exists('rl:{a}')))).toEqual([0, 0, 0]);
    await other.close();
  });

  it('using() keeps a Redlock lock past its lease and releases it after', async () => {
    const result = await redlock.using(
      'u',
      async (lock) => {
        const firstValidity = lock.validUntil;
        await new Promise<void>((resolve) => {
          const check = () => (lock.validUntil > firstValidity ? resolve() : setTimeout(check, 20));
          check();
        });
        return (await Promise.all(clients.map((c) => c.get('rl:{u}')))).every(
          (v) => v === lock.token,
        );
      },
      { leaseMs: 300 },
    );
    expect(result).toBe(true);
    expect(await Promise.all(clients.map((c) => c.exists('rl:{u}')))).toEqual([0, 0, 0]);
  });

  it('serves as core Locker through redisLocker({ locks })', async () => {
    const locker = redisLocker({ locks: redlock });
    const lock = await locker.acquire('ns:k', { timeoutMs: 1_000, leaseMs: 2_000 });
    expect(lock.fencingToken).toBeUndefined();
    expect(await clients[0]!.get('rl:{ns:k}')).not.toBeNull();
    await lock.release();
    await locker.close();
  });

  it('a failed acquisition releases what it took on a minority of nodes', async () => {
    // Another holder owns the lock on two nodes: the attempt gets one node, not a majority.
    await clients[1]!.set('rl:{b}', 'someone', 'PX', 30_000);
    await clients[2]!.set('rl:{b}', 'someone', 'PX', 30_000);
    const error = await redlock.acquire('b', { acquireTimeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(await clients[0]!.exists('rl:{b}')).toBe(0);
    await clients[1]!.del('rl:{b}');
    await clients[2]!.del('rl:{b}');
  });

  it('still locks with one of three nodes stopped', async () => {
    await servers[2]!.stop();
    const lock = await redlock.acquire('c', { leaseMs: 5_000 });
    expect(lock.held).toBe(true);
    await lock.extend(5_000);
    await lock.release();
  });

  it('fails fast with the quorum error when two of three nodes are stopped', async () => {
    await servers[1]!.stop();
    const error = await redlock.acquire('d', { acquireTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockQuorumError);
    expect((error as LockQuorumError).code).toBe('CACHESTACK_LOCK_QUORUM');
    expect((error as LockQuorumError).failedNodes).toBe(2);
  });
});
