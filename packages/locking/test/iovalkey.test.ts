import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis as Valkey } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLocks, createRedlock } from '../src/index.js';

// iovalkey, the Valkey fork of ioredis, has the same API: the locks take its client as is.
const prefix = uniquePrefix('locking-iovalkey');
let client: Valkey;

beforeAll(() => {
  client = new Valkey(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

describe('locks on an iovalkey client', () => {
  it('acquires, releases, and wakes a waiter by the release notification', async () => {
    const holderLocks = createRedisLocks({ client, prefix: `${prefix}:notify:` });
    // Retry delays far longer than the acquire timeout: only the pub/sub notification
    // (on the lock's own duplicate() of the iovalkey client) can hand the lock over in time.
    const waiterLocks = createRedisLocks({
      client,
      prefix: `${prefix}:notify:`,
      retryDelayMs: 60_000,
      retryMaxDelayMs: 60_000,
    });
    const holder = await holderLocks.acquire('r', { leaseMs: 60_000 });
    expect(await client.get(holderLocks.keyOf('r'))).toBe(holder.token);
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
    expect(await client.get(waiterLocks.keyOf('r'))).toBe(lock.token);
    expect(waiterLocks.stats().contendedAcquisitions).toBe(1);
    await lock.release();
    expect(await client.exists(waiterLocks.keyOf('r'))).toBe(0);
    await holderLocks.close();
    await waiterLocks.close();
    expect(await client.ping()).toBe('PONG'); // the caller's client stays open
  });

  it('takes a Redlock over iovalkey clients', async () => {
    const redlock = createRedlock({ clients: [client], prefix: `${prefix}:redlock:` });
    const lock = await redlock.acquire('r', { leaseMs: 5_000 });
    expect(lock.held).toBe(true);
    await lock.release();
    expect(lock.held).toBe(false);
    await redlock.close();
  });

  it('rejects a client without the ioredis API with a typed error', () => {
    // @ts-expect-error: not a client
    expect(() => createRedisLocks({ client: { isCluster: false } })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
  });
});
