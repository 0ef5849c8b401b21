/**
 * Shape checks of `createCache` options: every option is checked at construction, so a
 * wrong value fails there with an {@link InvalidOptionError} naming it, never later inside
 * a `set` or a bus callback.
 */
import { InvalidOptionError } from '../contracts/errors.js';
import type { RemoteStore } from '../contracts/remote-store.js';
import { assertShape, describeValue, type Shape } from '../kit/shape.js';

const BUS: Shape = {
  publish: 'function',
  subscribe: 'function',
  onStateChange: 'function',
  close: 'function',
  state: 'string',
};
const SERIALIZER: Shape = { id: 'number', serialize: 'function', deserialize: 'function' };
const CODEC: Shape = { name: 'string', ids: 'object', encode: 'function', decode: 'function' };
const LOGGER: Shape = {
  debug: 'function',
  info: 'function',
  warn: 'function',
  error: 'function',
  child: 'function',
};
const LOCKER: Shape = { acquire: 'function' };
const STORE: Shape = {
  name: 'string',
  get: 'function',
  getMany: 'function',
  getWithFence: 'function',
  getManyWithFence: 'function',
  set: 'function',
  setMany: 'function',
  has: 'function',
  delete: 'function',
  deleteMany: 'function',
  deleteByTag: 'function',
  clear: 'function',
  close: 'function',
};

/** Option names accepted at each level of `createCache` options. */
export const OPTION_NAMES = {
  cache: [
    'namespace',
    'l1',
    'l2',
    'codec',
    'decoders',
    'serializer',
    'bus',
    'lock',
    'defaults',
    'hotKeys',
    'maxKeyLength',
    'logger',
    'now',
    'clock',
  ],
  l1: ['maxEntries', 'maxBytes', 'policy', 'admission', 'promotion', 'sizeOf'],
  l2: [
    'store',
    'timeoutMs',
    'failureThreshold',
    'breakDurationMs',
    'closeStore',
    'maxPendingInvalidations',
  ],
  lock: ['locker', 'acquireTimeoutMs', 'leaseMs'],
  hotKeys: ['topK', 'exchange', 'instanceId', 'publishIntervalMs'],
} as const;

/**
 * Rejects option names that are not in `known` (`prefix` names the level), so a typo
 * never silently falls back to a default.
 * @throws InvalidOptionError
 */
export function assertKnownOptions(prefix: string, value: object, known: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      const option = prefix === '' ? name : `${prefix}.${name}`;
      throw new InvalidOptionError(option, `unknown option; expected one of ${known.join(', ')}`);
    }
  }
}

/** @throws InvalidOptionError unless `value` is a `Bus`. */
export function assertBus(value: unknown): void {
  assertShape('bus', value, BUS, 'a Bus (e.g. redisBus from @cachestack/coherency)');
}

/** @throws InvalidOptionError unless `value` is a `Serializer` with an id in 0..255. */
export function assertSerializer(value: unknown): void {
  assertShape('serializer', value, SERIALIZER, 'a Serializer { id, serialize, deserialize }');
  const id = (value as { id: number }).id;
  if (!Number.isInteger(id) || id < 0 || id > 255) {
    throw new InvalidOptionError('serializer', `id must be an integer in 0..255, got ${id}`);
  }
}

/** @throws InvalidOptionError unless `value` is a `Codec` with ids in 1..255. */
export function assertCodec(option: string, value: unknown): void {
  assertShape(option, value, CODEC, 'a Codec { name, ids, encode, decode }');
  const ids = (value as { ids: unknown }).ids;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    !ids.every((id) => Number.isInteger(id) && id >= 1 && id <= 255)
  ) {
    throw new InvalidOptionError(option, 'ids must be a non-empty array of integers in 1..255');
  }
}

/** @throws InvalidOptionError unless `value` is an array of codecs. */
export function assertDecoders(value: unknown): void {
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(
      'decoders',
      `expected an array of Codecs, got ${describeValue(value)}`,
    );
  }
  value.forEach((codec, i) => {
    assertCodec(`decoders[${i}]`, codec);
  });
}

/** @throws InvalidOptionError unless `value` is a pino-shaped `Logger`. */
export function assertLogger(value: unknown): void {
  assertShape('logger', value, LOGGER, 'a pino-shaped Logger { debug, info, warn, error, child }');
}

/** @throws InvalidOptionError unless `value` is a `Locker`. */
export function assertLocker(value: unknown): void {
  assertShape('lock.locker', value, LOCKER, 'a Locker (e.g. redisLocker from @cachestack/locking)');
}

/** Whether `value` looks like a `RemoteStore` (rather than `{ store, ... }` options). */
export function isStore(value: unknown): value is RemoteStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RemoteStore).getWithFence === 'function'
  );
}

/** @throws InvalidOptionError unless `value` is a complete `RemoteStore`. */
export function assertStore(option: string, value: unknown): void {
  assertShape(option, value, STORE, 'a RemoteStore (e.g. redisStore, fileStore, memoryStore)');
}

/** @throws InvalidOptionError unless `value` is a plain options object. */
export function assertObject(option: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(option, `expected an object, got ${describeValue(value)}`);
  }
}
