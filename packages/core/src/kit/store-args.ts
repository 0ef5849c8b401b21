import { InvalidKeyError, InvalidOptionError } from '../contracts/errors.js';
import type { RemoteEntry } from '../contracts/remote-store.js';

/**
 * Argument checks every {@link RemoteStore} applies to its public methods, so stores
 * reject bad input with the same typed errors (the store contract suite checks them).
 */

/** @throws InvalidKeyError unless a non-empty string. */
export function assertStoreNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new InvalidKeyError('namespace must be a non-empty string');
  }
}

/** @throws InvalidKeyError unless a non-empty string. */
export function assertStoreKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidKeyError(
      `key must be a non-empty string, got ${key === '' ? 'an empty string' : typeof key}`,
    );
  }
}

/** @throws InvalidKeyError unless an array of non-empty strings. */
export function assertStoreKeys(keys: unknown): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
  for (const key of keys) assertStoreKey(key);
}

/** @throws InvalidKeyError unless undefined or an array of non-empty strings. */
export function assertStoreTags(tags: unknown): asserts tags is readonly string[] | undefined {
  if (tags === undefined) return;
  if (!Array.isArray(tags)) throw new InvalidKeyError('tags must be an array of strings');
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new InvalidKeyError('every tag must be a non-empty string');
    }
  }
}

/** @throws InvalidOptionError unless a safe integer >= 1. */
export function assertStoreTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new InvalidOptionError('ttlMs', `must be an integer >= 1, got ${String(ttlMs)}`);
  }
}

/** @throws InvalidOptionError unless a Uint8Array. */
export function assertStoreValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidOptionError('value', 'must be a Uint8Array');
}

/** @throws InvalidKeyError / InvalidOptionError for a malformed batch entry. */
export function assertStoreEntry(entry: unknown): asserts entry is RemoteEntry {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidOptionError('entries', 'every entry must be an object');
  }
  const e = entry as RemoteEntry;
  assertStoreKey(e.key);
  assertStoreTtl(e.ttlMs);
  assertStoreTags(e.tags);
  assertStoreValue(e.value);
}
