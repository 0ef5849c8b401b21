import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { describeStoreContract } from '@cachestack/testing/vitest';
import { redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

describeStoreContract('redis standalone (url)', async () => {
  const prefix = uniquePrefix('redis-contract');
  const store = redisStore({ url: redisUrl(), prefix });
  return {
    store,
    async cleanup() {
      await store.close();
      await deletePrefix(redisUrl(), prefix);
    },
  };
});

describeStoreContract('redis standalone, namespace spread over 8 shards', async () => {
  const prefix = uniquePrefix('redis-contract-sharded');
  const store = redisStore({ url: redisUrl(), prefix, shards: 8 });
  return {
    store,
    async cleanup() {
      await store.close();
      await deletePrefix(redisUrl(), prefix);
    },
  };
});
