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
