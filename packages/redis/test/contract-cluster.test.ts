import { type PrivateCluster, runStoreContract, startPrivateCluster } from '@cachestack/test-suite';
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

runStoreContract('redis cluster (3 masters)', async () => {
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
});
