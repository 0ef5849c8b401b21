export { assertPrefix, type RedisKeyspace, redisKeyspace } from './keyspace.js';
export type { RedisStoreOptions } from './options.js';
export { RedisStore, redisStore } from './redis-store.js';
