import { redisUrl, runStoreContract, uniquePrefix } from '@cachestack/test-suite';
import { redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

runStoreContract('redis standalone (url)', async () => {
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

runStoreContract('redis standalone, namespace spread over 8 shards', async () => {
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
