export type { Bus, BusHandler, BusState, InvalidationMessage } from './bus.js';
export type { Codec, CodecOutput, Serializer } from './codec.js';
export { crc32 } from './crc32.js';
export { type ByteSize, type Duration, toBytes, toMs } from './duration.js';
export type { Entry, MemoryEntry } from './entry.js';
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
  CacheEvents,
  type CacheEventMap,
  type CacheEventName,
  coreChannels,
  type Tier,
} from './events.js';
export { type DecodeFrameOptions, decodeFrame, encodeFrame, FRAME_VERSION } from './frame.js';
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
export type { Lock, LockAcquireOptions, Locker } from './locker.js';
export { type Logger, noopLogger } from './logger.js';
export { createMemoryBusHub, MemoryBus, MemoryBusHub } from './memory-bus.js';
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
