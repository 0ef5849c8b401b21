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

describeStoreContract('redis cluster (3 masters)', async () => {
  const client = clusterClient();
  const store = redisStore({ client, prefix: `contract${++stores}` });
  return {
    store,
    async cleanup() {
      await store.close();
      await client.quit();
    },
  };
});

describe('redis store on Cluster', () => {
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
