export type { IoRedisCompatibleClient } from './compatible-client.js';
export {
  cascade,
  createDependencyGraph,
  DependencyGraph,
  type DependencyGraphOptions,
  type DependencyMap,
  loadDependencyMap,
} from './dependency-graph.js';
export { BusPublishError, DependencyCycleError, DependencyDepthError } from './errors.js';
export { type BusEventMap, type BusEventName, BusEvents, coherencyChannels } from './events.js';
export type { HistoryEntry } from './history.js';
export type { InstanceInfo } from './instance-registry.js';
export { type BusStats, RedisBus, redisBus } from './redis-bus.js';
export type { GapPolicy, RedisBusOptions } from './redis-bus-options.js';
export {
  parseStoreKey,
  TrackingBus,
  type TrackingBusOptions,
  trackingBus,
} from './tracking-bus.js';
export { decodeFrame, encodeFrame, type FrameKind, WIRE_VERSION, type WireFrame } from './wire.js';
