import { type Cache, createCache } from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisHotKeyExchange, redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

const prefix = uniquePrefix('redis-hot');
const clients: Redis[] = [];
const caches: Cache[] = [];
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
});
afterAll(async () => {
  await deletePrefix(redisUrl(), prefix);
  for (const c of clients) c.disconnect();
});

function instance(id: string): Cache {
  const client = new Redis(redisUrl());
  clients.push(client);
  const cache = createCache({
    l2: redisStore({ client, prefix }),
    hotKeys: {
      exchange: redisHotKeyExchange({ client, prefix }),
      instanceId: id,
      publishIntervalMs: 0,
    },
  });
  caches.push(cache);
  return cache;
}

describe('hot-key exchange over Redis', () => {
  it("warms a starting instance's L1 from the union of its peers' hot keys", async () => {
    const a = instance('a');
    const b = instance('b');
    for (let i = 0; i < 20; i++) await a.set(`k${i}`, { n: i });
    for (let r = 0; r < 6; r++) for (const k of ['k2', 'k5', 'k7']) await a.get(k);
    for (let r = 0; r < 6; r++) for (const k of ['k5', 'k11']) await b.get(k);
    await a.publishHotKeys();
    await b.publishHotKeys();

    const c = instance('c');
    const result = await c.warmFromPeers({ maxKeys: 4 });
    expect(result.warmed).toBe(4);
    expect(c.stats().l1Entries).toBe(4);
    for (const k of ['k2', 'k5', 'k7', 'k11']) {
      expect(await c.get(k, { skipL2: true }), k).toEqual({ n: Number(k.slice(1)) });
    }
  });

  it('forgets an instance whose list expired', async () => {
    const client = new Redis(redisUrl());
    clients.push(client);
    const exchange = redisHotKeyExchange({ client, prefix: `${prefix}-ttl`, ttlMs: 1000 });
    await exchange.publish('gone', [{ namespace: 'default', key: 'x', score: 3 }]);
    expect(await exchange.collect('me')).toEqual([{ namespace: 'default', key: 'x', score: 3 }]);
    await client.del(`${prefix}-ttl:{hotkeys}:i:gone`);
    expect(await exchange.collect('me')).toEqual([]);
    expect(await client.smembers(`${prefix}-ttl:{hotkeys}:index`)).toEqual([]);
    await client.del(`${prefix}-ttl:{hotkeys}:index`);
  });
});
