/**
 * `@cachestack/core/kit`: the small pieces of infrastructure that core and the satellite
 * packages share instead of copying — deadlines, a typed emitter, a circuit breaker and
 * the argument checks of a `RemoteStore` and of an option's shape. Every piece takes core's {@link Clock}.
 */
export { type Clock, type ClockTimer, isClock, systemClock } from '../contracts/clock.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
export { clockFromNow } from './clock-from-now.js';
export { CLUSTER_SLOTS, clusterSlot, crc16 } from './cluster-slot.js';
export { coarseNow } from './coarse-now.js';
export { DeadlineQueue, type DeadlineQueueOptions, type QueuedDeadline } from './deadline-queue.js';
export { DeadlineSet, type Expiring } from './deadline-set.js';
export { assertShape, type Shape } from './shape.js';
export {
  assertStoreEntry,
  assertStoreKey,
  assertStoreKeys,
  assertStoreNamespace,
  assertStoreTags,
  assertStoreTtl,
  assertStoreValue,
} from './store-args.js';
export { TypedEmitter } from './typed-emitter.js';
export { withDeadline } from './with-deadline.js';
