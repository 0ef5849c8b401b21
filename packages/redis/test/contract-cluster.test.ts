import { TimeoutError } from '@cachestack/core';
import { type PrivateCluster, startPrivateCluster } from '@cachestack/test-suite';
import { describeStoreContract } from '@cachestack/testing/vitest';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from '../src/index.js';

let cluster: PrivateCluster;

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
});

afterAll(async () => {
  await cluster?.stop();
});

function clusterClient(): Cluster {
  return new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
}

let stores = 0;

describeStoreContract('redis cluster (3 masters), 16 shards per namespace', async () => {
  const client = clusterClient();
  const store = redisStore({ client, prefix: `contract${++stores}`, shards: 16 });
  return {
    store,
    async cleanup() {
      await store.close();
      await client.quit();
    },
  };
});

describeStoreContract('redis cluster (3 masters), one shard per namespace', async () => {
  const client = clusterClient();
  const store = redisStore({ client, prefix: `contract${++stores}`, shards: 1 });
  return {
    store,
    async cleanup() {
      await store.close();
      await client.quit();
    },
  };
});

/** How many keys matching `pattern` each master holds, by port. */
async function keysPerMaster(client: Cluster, pattern: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const node of client.nodes('master')) {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    counts.set(node.options.port!, n);
  }
  return counts;
}

describe('redis store on Cluster', () => {
  it('spreads one namespace of 10k keys over all three masters (default 16 shards)', async () => {
    const client = clusterClient();
    const store = redisStore({ client, prefix: 'spread10k' });
    try {
      expect(store.shards).toBe(16);
      const bytes = Uint8Array.from([1]);
      const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
      for (let i = 0; i < keys.length; i += 1000) {
        await store.setMany(
          'users',
          keys
            .slice(i, i + 1000)
            .map((key) => ({ key, value: bytes, ttlMs: 60_000, tags: ['all'] })),
        );
      }
      const counts = await keysPerMaster(client, 'spread10k:*:k:*');
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      console.log(
        `[redis] one namespace, 10000 keys, 16 shards over 3 masters: ${[...counts.values()].join(' / ')}`,
      );
      expect(total).toBe(10_000);
      expect(counts.size).toBe(3);
      // Shards are placed one per 1/16 of the slot space (5, 6 and 5 per master here).
      for (const n of counts.values()) expect(n).toBeGreaterThan(2_500);
      // Batch reads group keys by shard (one MGET per slot): no CROSSSLOT, all found.
      const read = await store.getMany('users', keys.slice(0, 2000));
      expect(read.every((value) => value !== undefined)).toBe(true);
      // The tag invalidation fans out to every shard and removes every member.
      await expect(store.deleteByTag('users', ['all'])).resolves.toBe(10_000);
      expect([...(await keysPerMaster(client, 'spread10k:*:k:*')).values()]).toEqual([0, 0, 0]);
    } finally {
      await store.close();
      await client.quit();
    }
  });

  it('spreads 10k keys nearly evenly with 48 shards', async () => {
    const client = clusterClient();
    const store = redisStore({ client, prefix: 'spread48', shards: 48 });
    try {
      const bytes = Uint8Array.from([1]);
      for (let i = 0; i < 10_000; i += 1000) {
        await store.setMany(
          'users',
          Array.from({ length: 1000 }, (_, j) => ({
            key: `user:${i + j}`,
            value: bytes,
            ttlMs: 60_000,
          })),
        );
      }
      const counts = [...(await keysPerMaster(client, 'spread48:*:k:*')).values()];
      console.log(
        `[redis] one namespace, 10000 keys, 48 shards over 3 masters: ${counts.join(' / ')}`,
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
      for (const n of counts) expect(n).toBeGreaterThan(3_000);
      await store.clear('users');
      expect([...(await keysPerMaster(client, 'spread48:*:k:*')).values()]).toEqual([0, 0, 0]);
    } finally {
      await store.close();
      await client.quit();
    }
  });

  it('keeps a one-shard namespace on one master (shards: 1)', async () => {
    const client = clusterClient();
    const store = redisStore({ client, prefix: 'oneshard', shards: 1 });
    try {
      const bytes = Uint8Array.from([1]);
      await store.setMany(
        'users',
        Array.from({ length: 300 }, (_, i) => ({ key: `u${i}`, value: bytes, ttlMs: 60_000 })),
      );
      const counts = [...(await keysPerMaster(client, 'oneshard:*:k:*')).values()];
      expect(counts.filter((n) => n > 0)).toEqual([300]);
    } finally {
      await store.close();
      await client.quit();
    }
  });

  it('spreads namespaces over several masters and clears each one fully', async () => {
    const client = clusterClient();
    const store = redisStore({ client, prefix: 'spread', clearBatchSize: 7 });
    try {
      const namespaces = Array.from({ length: 12 }, (_, i) => `ns${i}`);
      const bytes = Uint8Array.from([1, 2, 3]);
      for (const ns of namespaces) {
        await store.setMany(
          ns,
          Array.from({ length: 30 }, (_, i) => ({
            key: `k${i}`,
            value: bytes,
            ttlMs: 60_000,
            tags: [`t${i % 3}`],
          })),
        );
      }
      const owners = new Set<number>();
      for (const node of client.nodes('master')) {
        const keys = await node.keys('spread:*:k:*');
        if (keys.length > 0) owners.add(node.options.port!);
      }
      expect(owners.size).toBeGreaterThan(1);
      for (const ns of namespaces) await store.clear(ns);
      for (const node of client.nodes('master')) {
        expect(await node.keys('spread:*:k:*')).toEqual([]);
        expect(await node.keys('spread:*:t:*')).toEqual([]);
      }
      await expect(store.getMany('ns0', ['k0', 'k1'])).resolves.toEqual([undefined, undefined]);
    } finally {
      await store.close();
      await client.quit();
    }
  });

  it('rejects with TimeoutError at the deadline while the masters are paused, then recovers', async () => {
    const client = clusterClient();
    const store = redisStore({ client, prefix: 'paused', commandTimeoutMs: 200 });
    try {
      await store.set('n', 'k', Uint8Array.from([1]), { ttlMs: 60_000 });
      await Promise.all(cluster.nodes.map((node) => node.pause(1500)));
      const started = Date.now();
      let caught: unknown;
      try {
        await store.get('n', 'k');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(1400);
      // After the pause the same store answers again (bounded wait for the pause to end).
      const deadline = Date.now() + 10_000;
      let value: Uint8Array | undefined;
      while (value === undefined && Date.now() < deadline) {
        value = await store.get('n', 'k').catch(() => undefined);
        if (value === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(value && [...value]).toEqual([1]);
    } finally {
      await store.close();
      await client.quit();
    }
  });
});
