export { type ChaosMode, ChaosStore, chaosStore } from './chaos-store.js';
export {
  freePort,
  type PrivateRedis,
  type PrivateRedisOptions,
  rawCommand,
  redisUrl,
  startPrivateRedis,
  uniquePrefix,
} from './redis-server.js';
