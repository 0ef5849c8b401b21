export {
  Cache,
  type CacheStats,
  createCache,
  type GetOptions,
  type NamespaceCounters,
  type SetOptions,
} from './cache.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
export { crc32 } from './codec/crc32.js';
export { type DecodeFrameOptions, decodeFrame, encodeFrame, FRAME_VERSION } from './codec/frame.js';
export { jsonSerializer } from './codec/serializer.js';
export type { Bus, BusHandler, BusState, InvalidationMessage } from './contracts/bus.js';
export { type Clock, type ClockTimer, isClock, systemClock } from './contracts/clock.js';
export type { Codec, CodecOutput, Serializer } from './contracts/codec.js';
export { type ByteSize, type Duration, toBytes, toMs } from './contracts/duration.js';
export { type Entry, L1Box } from './contracts/entry.js';
export {
  CacheStackError,
  type CacheStackErrorOptions,
  CircuitOpenError,
  ClosedError,
  CorruptEntryError,
  InvalidKeyError,
  InvalidOptionError,
  isCacheStackError,
  LoaderError,
  SerializationError,
  StoreError,
  TimeoutError,
} from './contracts/errors.js';
export {
  type CacheEventMap,
  type CacheEventName,
  CacheEvents,
  coreChannels,
  type Tier,
  TypedEmitter,
} from './contracts/events.js';
export type { Lock, LockAcquireOptions, Locker } from './contracts/locker.js';
export { type Logger, noopLogger } from './contracts/logger.js';
export type {
  FencedRead,
  FencedReadMany,
  FenceToken,
  RemoteEntry,
  RemoteSetOptions,
  RemoteStore,
  WriteOutcome,
} from './contracts/remote-store.js';
export type {
  WarmupEntry,
  WarmupOptions,
  WarmupProgress,
  WarmupReport,
  WarmupSource,
  WarmupTarget,
} from './contracts/warmup.js';
export { withDeadline } from './deadline.js';
export { AdaptiveTtl, type AdaptiveTtlOptions } from './features/adaptive-ttl.js';
export type { CriticalRefreshOptions, CriticalSelector } from './features/critical-refresh.js';
export { FrequencySketch } from './features/frequency-sketch.js';
export {
  type HotKey,
  type HotKeyExchange,
  HotKeyTracker,
  MemoryHotKeyExchange,
  mergeHotKeys,
} from './features/hot-keys.js';
export {
  assertKey,
  assertName,
  createKeySchema,
  escapeKeyPart,
  type KeyParts,
  type KeySchema,
  type KeySchemaOptions,
  unescapeKeyPart,
} from './keys/key-schema.js';
export type { Loader, LoaderContext } from './load.js';
export type { BatchLoader } from './load-many.js';
export type {
  CacheOptions,
  EntryOptions,
  L1Options,
  L2Options,
  LoadOptions,
  LockOptions,
  NamespaceOptions,
  Priority,
  PromotionStrategy,
} from './options.js';
export {
  assertStoreEntry,
  assertStoreKey,
  assertStoreKeys,
  assertStoreNamespace,
  assertStoreTags,
  assertStoreTtl,
  assertStoreValue,
} from './store-args.js';
export { createMemoryBusHub, MemoryBus, MemoryBusHub } from './tiers/memory-bus.js';
export { MemoryStore, type MemoryStoreOptions, memoryStore } from './tiers/memory-store.js';
export { type EvictionPolicy, MemoryTier, type MemoryTierOptions } from './tiers/memory-tier.js';
export { estimateSize } from './tiers/size-of.js';
