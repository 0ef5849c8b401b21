import { clusterSlot } from '@cachestack/core/kit';
import {
  type PrivateCluster,
  type PrivateRedis,
  startPrivateCluster,
  startPrivateRedis,
} from '@cachestack/test-suite';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLocks, createRedlock, type RedisLocksOptions } from '../src/index.js';

let cluster: PrivateCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  client = new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  await new Promise((resolve) => client.once('ready', resolve));
}, 90_000);

afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
});

/** Subscribers of `channel` summed over the masters. */
async function subscribers(channel: string, sharded: boolean): Promise<number> {
  let total = 0;
  for (const node of client.nodes('master')) {
    const reply = (await node.call(
      'PUBSUB',
      sharded ? 'SHARDNUMSUB' : 'NUMSUB',
      channel,
    )) as unknown[];
    total += Number(reply[1]);
  }
  return total;
}

/** The master (host:port) owning `key`'s slot. */
const ownerOf = (key: string): string => client.slots[clusterSlot(key)]![0]!;

describe.each([
  ['classic notifications', true],
  ['sharded notifications (SPUBLISH / SSUBSCRIBE)', 'sharded'],
] as const)('Redis lock on a 3-master Cluster, %s', (name, notify) => {
  const prefix = `lock-${notify === 'sharded' ? 's' : 'c'}:`;
  const locksFor = (options: Partial<RedisLocksOptions> = {}) =>
    createRedisLocks({ client, prefix, notify, ...options });

  it('wakes waiters by the release notification on every master', async () => {
    const holders = locksFor();
    // Long retry delays: only the notification can hand the locks over in time.
    const waiters = locksFor({ retryDelayMs: 60_000, retryMaxDelayMs: 60_000 });
    const resources = Array.from({ length: 6 }, (_, i) => `r${i}`);
    const held = await Promise.all(resources.map((r) => holders.acquire(r, { leaseMs: 60_000 })));
    const owners = new Set(resources.map((r) => ownerOf(holders.keyOf(r))));
    expect(owners.size).toBeGreaterThan(1);
    const waiting = resources.map((r) =>
      waiters.acquire(r, { acquireTimeoutMs: 10_000, leaseMs: 5_000 }),
    );
    for (const r of resources) {
      const channel = `${holders.keyOf(r)}:released`;
      while ((await subscribers(channel, notify === 'sharded')) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await Promise.all(held.map((lock) => lock.release()));
    const taken = await Promise.all(waiting);
    expect(taken.every((lock) => lock.held)).toBe(true);
    expect(waiters.stats().contendedAcquisitions).toBe(resources.length);
    await Promise.all(taken.map((lock) => lock.release()));
    await holders.close();
    await waiters.close();
    expect(name).toBeTruthy();
  });

  it('keeps mutual exclusion with strictly increasing fencing tokens', async () => {
    const a = locksFor({ retryDelayMs: 5 });
    const b = locksFor({ retryDelayMs: 5 });
    const counter = `${prefix}{counter}:value`;
    await client.set(counter, '0');
    const tokens: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).using(
          'counter',
          async (lock) => {
            tokens.push(lock.fencingToken!);
            const value = Number(await client.get(counter));
            await new Promise((resolve) => setTimeout(resolve, 1));
            await client.set(counter, String(value + 1));
          },
          { leaseMs: 5_000, acquireTimeoutMs: 20_000 },
        ),
      ),
    );
    expect(await client.get(counter)).toBe('20');
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    await a.close();
    await b.close();
  });
});

describe('Redlock with a Cluster among its nodes', () => {
  let servers: PrivateRedis[];
  let standalone: Redis[];

  beforeAll(async () => {
    servers = await Promise.all([startPrivateRedis(), startPrivateRedis()]);
    standalone = servers.map((s) => new Redis(s.url, { maxRetriesPerRequest: 1 }));
  });

  afterAll(async () => {
    for (const c of standalone) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('locks on the cluster and two servers, excludes a second holder, and releases everywhere', async () => {
    const clients = [client, ...standalone];
    const redlock = createRedlock({ clients, prefix: 'rl:', commandTimeoutMs: 500 });
    const other = createRedlock({ clients, prefix: 'rl:', commandTimeoutMs: 500 });
    const lock = await redlock.acquire('job', { leaseMs: 5_000 });
    expect(await Promise.all(clients.map((c) => c.get('rl:{job}')))).toEqual([
      lock.token,
      lock.token,
      lock.token,
    ]);
    await expect(other.acquire('job', { acquireTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'CACHESTACK_LOCK_TIMEOUT',
    });
    await lock.release();
    expect(await Promise.all(clients.map((c) => c.exists('rl:{job}')))).toEqual([0, 0, 0]);
    await redlock.close();
    await other.close();
  });
});
