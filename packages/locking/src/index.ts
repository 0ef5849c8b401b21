export {
  type AcquireMessage,
  type LockKind,
  type LostMessage,
  lockingChannels,
  type ReleaseMessage,
  type TimeoutMessage,
} from './channels.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export type {
  DistributedAcquireOptions,
  DistributedLockOptions,
} from './common-options.js';
export type { IoRedisCompatibleClient } from './compatible-client.js';
export { LockLostError, LockNotHeldError, LockQuorumError, LockTimeoutError } from './errors.js';
export type { DistributedLock } from './held-lock.js';
export type { LocalLock } from './local-lock.js';
export {
  createLocalLocks,
  type LocalAcquireOptions,
  LocalLocks,
  type LocalLocksOptions,
} from './local-locks.js';
export { createRedisLocks, RedisLocks, type RedisLocksOptions } from './redis-lock.js';
export { type ClosableLocker, type RedisLockerOptions, redisLocker } from './redis-locker.js';
export { createRedlock, Redlock, type RedlockOptions } from './redlock.js';
export type { RedisClient } from './scripts.js';
export type { LockStats } from './stats.js';
