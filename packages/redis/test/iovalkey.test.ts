import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { describeStoreContract } from '@cachestack/testing/vitest';
import { Redis as Valkey } from 'iovalkey';
import { describe, expect, it } from 'vitest';
import { redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

// iovalkey, the Valkey fork of ioredis, has the same API: the store takes its client as is.
describeStoreContract('redis store on an iovalkey client', async () => {
  const prefix = uniquePrefix('redis-iovalkey');
  const client = new Valkey(redisUrl(), { maxRetriesPerRequest: 1 });
  const store = redisStore({ client, prefix, shards: 4 });
  return {
    store,
    async cleanup() {
      await store.close();
      await deletePrefix(redisUrl(), prefix);
      client.disconnect();
    },
  };
});

describe('iovalkey client', () => {
  it('type-checks as a store client and leaves the client open on close', async () => {
    const client = new Valkey(redisUrl(), { maxRetriesPerRequest: 1 });
    const store = redisStore({ client, prefix: uniquePrefix('redis-iovalkey-own') });
    await store.set('n', 'k', Uint8Array.from([1, 2]), { ttlMs: 10_000 });
    expect([...((await store.get('n', 'k')) ?? [])]).toEqual([1, 2]);
    await store.delete('n', 'k');
    await store.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
