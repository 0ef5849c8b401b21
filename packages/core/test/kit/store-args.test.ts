import { describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidOptionError } from '../../src/contracts/errors.js';
import {
  assertStoreEntry,
  assertStoreKey,
  assertStoreKeys,
  assertStoreNamespace,
  assertStoreTags,
  assertStoreTtl,
  assertStoreValue,
} from '../../src/kit/index.js';

describe('store argument checks', () => {
  it('reject empty and non-string keys and namespaces with InvalidKeyError', () => {
    expect(() => assertStoreKey('')).toThrow(InvalidKeyError);
    expect(() => assertStoreKey(42)).toThrow(/got number/);
    expect(() => assertStoreNamespace('')).toThrow(InvalidKeyError);
    expect(() => assertStoreKeys(['a', ''])).toThrow(InvalidKeyError);
    expect(() => assertStoreKeys('a')).toThrow(InvalidKeyError);
    expect(() => assertStoreKey('user:1')).not.toThrow();
  });

  it('reject malformed tags, TTLs and values with typed errors', () => {
    expect(() => assertStoreTags(undefined)).not.toThrow();
    expect(() => assertStoreTags(['a', ''])).toThrow(InvalidKeyError);
    expect(() => assertStoreTags('a')).toThrow(InvalidKeyError);
    for (const ttl of [0, -1, 1.5, Number.NaN, '10']) {
      expect(() => assertStoreTtl(ttl)).toThrow(InvalidOptionError);
    }
    expect(() => assertStoreTtl(1)).not.toThrow();
    expect(() => assertStoreValue('bytes')).toThrow(InvalidOptionError);
    expect(() => assertStoreValue(new Uint8Array(1))).not.toThrow();
  });

  it('check every field of a batch entry', () => {
    const value = new Uint8Array(1);
    expect(() => assertStoreEntry(null)).toThrow(InvalidOptionError);
    expect(() => assertStoreEntry({ key: '', ttlMs: 1, value })).toThrow(InvalidKeyError);
    expect(() => assertStoreEntry({ key: 'k', ttlMs: 0, value })).toThrow(InvalidOptionError);
    expect(() => assertStoreEntry({ key: 'k', ttlMs: 1, value, tags: [''] })).toThrow(
      InvalidKeyError,
    );
    expect(() => assertStoreEntry({ key: 'k', ttlMs: 1, value: 'v' })).toThrow(InvalidOptionError);
    expect(() => assertStoreEntry({ key: 'k', ttlMs: 1, value, tags: ['t'] })).not.toThrow();
  });
});
