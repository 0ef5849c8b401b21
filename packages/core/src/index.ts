export { AdaptiveTtl, type AdaptiveTtlOptions } from './adaptive-ttl.js';
export type { Bus, BusHandler, BusState, InvalidationMessage } from './bus.js';
export {
  Cache,
  type CacheStats,
  createCache,
  type GetOptions,
  type NamespaceCounters,
  type SetOptions,
} from './cache.js';
export { type Clock, type ClockTimer, isClock, systemClock } from './clock.js';
export type { Codec, CodecOutput, Serializer } from './codec.js';
export { crc32 } from './crc32.js';
export type { CriticalRefreshOptions, CriticalSelector } from './critical-refresh.js';
export { type ByteSize, type Duration, toBytes, toMs } from './duration.js';
export { type Entry, L1Box } from './entry.js';
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
} from './errors.js';
export {
  type CacheEventMap,
  type CacheEventName,
  CacheEvents,
  coreChannels,
  type Tier,
} from './events.js';
export { type DecodeFrameOptions, decodeFrame, encodeFrame, FRAME_VERSION } from './frame.js';
export { FrequencySketch } from './frequency-sketch.js';
export {
  type HotKey,
  type HotKeyExchange,
  HotKeyTracker,
  MemoryHotKeyExchange,
  mergeHotKeys,
} from './hot-keys.js';
export {
  assertKey,
  assertName,
  createKeySchema,
  escapeKeyPart,
  type KeyParts,
  type KeySchema,
  type KeySchemaOptions,
  unescapeKeyPart,
} from './key-schema.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './kit/circuit-breaker.js';
export {
  assertStoreEntry,
  assertStoreKey,
  assertStoreKeys,
  assertStoreNamespace,
  assertStoreTags,
  assertStoreTtl,
  assertStoreValue,
} from './kit/store-args.js';
export { TypedEmitter } from './kit/typed-emitter.js';
export { withDeadline } from './kit/with-deadline.js';
export type { Loader, LoaderContext } from './load.js';
export type { BatchLoader } from './load-many.js';
export type { Lock, LockAcquireOptions, Locker } from './locker.js';
export { type Logger, noopLogger } from './logger.js';
export { createMemoryBusHub, MemoryBus, MemoryBusHub } from './memory-bus.js';
export { MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.js';
export { type EvictionPolicy, MemoryTier, type MemoryTierOptions } from './memory-tier.js';
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
export type {
  FencedRead,
  FencedReadMany,
  FenceToken,
  RemoteEntry,
  RemoteSetOptions,
  RemoteStore,
  WriteOutcome,
} from './remote-store.js';
export { jsonSerializer } from './serializer.js';
export { estimateSize } from './size-of.js';
export {
  hashKey,
  TinyLfuSketch,
  WTinyLfu,
  type WTinyLfuOptions,
  type WTinyLfuRemoval,
  type WTinyLfuSetOptions,
} from './w-tinylfu.js';
export type {
  WarmupEntry,
  WarmupOptions,
  WarmupProgress,
  WarmupReport,
  WarmupSource,
  WarmupTarget,
} from './warmup.js';
