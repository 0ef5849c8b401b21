import { InvalidKeyError, InvalidOptionError, type RemoteEntry } from '@cachestack/core';

/** Argument checks of the store's public methods (they reject, never throw synchronously). */

export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new InvalidKeyError('namespace must be a non-empty string');
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

export function assertValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidOptionError('value', 'must be a Uint8Array');
}

export function assertEntry(entry: unknown): asserts entry is RemoteEntry {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidOptionError('entries', 'every entry must be an object');
  }
  const e = entry as RemoteEntry;
  assertKey(e.key);
  assertTtl(e.ttlMs);
  assertTags(e.tags);
  assertValue(e.value);
}
