export { type ChaosMode, ChaosStore, chaosStore } from './chaos-store.js';
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
export {
  runStoreContract,
  type StoreContractOptions,
  type StoreUnderTest,
} from './store-contract.js';
