/**
 * @deprecated The store contract moved to `@cachestack/testing`
 * (`import { describeStoreContract } from '@cachestack/testing/vitest'`); this alias goes
 * once no test uses it.
 */
export { describeStoreContract as runStoreContract } from '@cachestack/testing/vitest';
export { type PrivateCluster, startPrivateCluster } from './redis-cluster.js';
export {
  freePort,
  type PrivateRedis,
  type PrivateRedisOptions,
  rawCommand,
  redisUrl,
  startPrivateRedis,
  uniquePrefix,
} from './redis-server.js';
