export {
  RedisHotKeyExchange,
  type RedisHotKeyExchangeOptions,
  redisHotKeyExchange,
} from './hot-key-exchange.js';
export { assertPrefix, type RedisKeyspace, redisKeyspace } from './keyspace.js';
export type { RedisStoreOptions } from './options.js';
export { RedisStore, redisStore } from './redis-store.js';
