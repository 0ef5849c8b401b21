export { Cache } from './cache/cache.js';
export { createCache } from './cache/create-cache.js';
export type { CacheStats, NamespaceCounters } from './cache/stats.js';
export type { WarmFromPeersOptions } from './cache/warm-from-peers.js';
export type { SetItem } from './cache/write.js';
export { crc32 } from './codec/crc32.js';
export { type DecodeFrameOptions, decodeFrame, encodeFrame, FRAME_VERSION } from './codec/frame.js';
export { jsonSerializer } from './codec/serializer.js';
export type { Bus, BusHandler, BusState, InvalidationMessage } from './contracts/bus.js';
export { type Clock, type ClockTimer, isClock, systemClock } from './contracts/clock.js';
export type { Codec, CodecOutput, Serializer } from './contracts/codec.js';
export { type ByteSize, type Duration, toBytes, toMs } from './contracts/duration.js';
export type { Entry, EntryTiming } from './contracts/entry.js';
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
  type CoreTraceContext,
  coreChannels,
  coreTracingChannels,
  type Tier,
} from './contracts/events.js';
export type { HotKey, HotKeyExchange } from './contracts/hot-key-exchange.js';
export type { InvalidationScope } from './contracts/invalidation.js';
export type { BatchLoader, Loader, LoaderContext } from './contracts/loader.js';
export type { Lock, LockAcquireOptions, Locker } from './contracts/locker.js';
export { type Logger, noopLogger } from './contracts/logger.js';
export type {
  AdaptiveTtlOptions,
  CacheOptions,
  EntryOptions,
  EvictionPolicy,
  GetOptions,
  L1Options,
  L2Options,
  LoadOptions,
  LockOptions,
  NamespaceOptions,
  Priority,
  PromotionStrategy,
  SetOptions,
} from './contracts/options.js';
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
export { AdaptiveTtl } from './features/adaptive-ttl.js';
export type { CriticalRefreshOptions, CriticalSelector } from './features/critical-refresh.js';
export { FrequencySketch } from './features/frequency-sketch.js';
export {
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
export { L1Box } from './tiers/l1-box.js';
export { createMemoryBusHub, MemoryBus, MemoryBusHub } from './tiers/memory-bus.js';
export { MemoryStore, type MemoryStoreOptions, memoryStore } from './tiers/memory-store.js';
export { MemoryTier, type MemoryTierOptions } from './tiers/memory-tier.js';
export { estimateSize } from './tiers/size-of.js';
export {
  hashKey,
  TinyLfuSketch,
  WTinyLfu,
  type WTinyLfuOptions,
  type WTinyLfuRemoval,
  type WTinyLfuSetOptions,
} from './tiers/w-tinylfu.js';
