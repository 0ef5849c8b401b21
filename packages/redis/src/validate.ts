import { InvalidKeyError, InvalidOptionError, type RemoteEntry } from '@cachestack/core';

/**
 * Argument checks of the store's public methods. Namespaces must not hold `{` or `}`:
 * the namespace is the Cluster hash tag, and a brace would let two namespaces share keys.
 */

export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new InvalidKeyError('namespace must be a non-empty string');
  }
  if (namespace.includes('{') || namespace.includes('}')) {
    throw new InvalidKeyError(`namespace "${namespace}" must not contain "{" or "}"`);
  }
}

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidKeyError(
      `key must be a non-empty string, got ${key === '' ? 'an empty string' : typeof key}`,
    );
  }
}

export function assertKeys(keys: unknown): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
  for (const key of keys) assertKey(key);
}

export function assertTags(tags: unknown): asserts tags is readonly string[] | undefined {
  if (tags === undefined) return;
  if (!Array.isArray(tags)) throw new InvalidKeyError('tags must be an array of strings');
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidKeyError('every tag must be a non-empty string');
    }
  }
}

export function assertTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new InvalidOptionError('ttlMs', `must be an integer >= 1, got ${String(ttlMs)}`);
  }
}

/** The bytes as a Buffer sharing their memory (ioredis sends Buffers verbatim). */
export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new InvalidOptionError('value', 'must be a Uint8Array');
}

const FENCE_RE = /^(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15})$/;

/** A fence token of this store: `${epoch}:${readAtMs}`. */
export interface ParsedFence {
  /** The namespace epoch read with the value (decimal). */
  readonly epoch: string;
  /** When the read was sent, by the store's clock, in ms. */
  readonly readAtMs: number;
}

/** Encodes a fence token. */
export function formatFence(epoch: Buffer | null | undefined, readAtMs: number): string {
  return `${epoch ? epoch.toString() : '0'}:${Math.floor(readAtMs)}`;
}

/**
 * Parses a fence token issued by this store.
 * @throws InvalidOptionError when it is not one.
 */
export function parseFence(fence: unknown): ParsedFence {
  const match = typeof fence === 'string' ? FENCE_RE.exec(fence) : null;
  if (match === null) {
    throw new InvalidOptionError('fence', 'must be a fence token returned by this store');
  }
  return { epoch: match[1]!, readAtMs: Number(match[2]) };
}

export function assertEntry(entry: unknown): asserts entry is RemoteEntry {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidOptionError('entries', 'every entry must be an object');
  }
  const e = entry as RemoteEntry;
  assertKey(e.key);
  assertTtl(e.ttlMs);
  assertTags(e.tags);
  toBuffer(e.value);
}
