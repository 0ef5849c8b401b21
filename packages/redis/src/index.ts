export {
  RedisHotKeyExchange,
  type RedisHotKeyExchangeOptions,
  redisHotKeyExchange,
} from './hot-key-exchange.js';
export {
  assertPrefix,
  MAX_SHARDS,
  placeShards,
  type RedisKeyspace,
  redisKeyspace,
} from './keyspace.js';
export {
  CLUSTER_DEFAULT_SHARDS,
  type IoRedisCompatibleClient,
  type RedisStoreOptions,
} from './options.js';
export { RedisStore, redisStore } from './redis-store.js';
