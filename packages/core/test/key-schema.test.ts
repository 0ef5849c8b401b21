import { describe, expect, it } from 'vitest';
import { toBytes, toMs } from '../src/contracts/duration.js';
import { InvalidKeyError, InvalidOptionError } from '../src/contracts/errors.js';
import { assertKey, createKeySchema } from '../src/keys/key-schema.js';

describe('key schema', () => {
  const schema = createKeySchema({ prefix: 'app', version: 2 });

  it('builds prefix:version:namespace:entity:id keys and parses them back', () => {
    const key = schema.key({ namespace: 'users', entity: 'user', id: 42 });
    expect(key).toBe('app:v2:users:user:42');
    expect(schema.parse(key)).toEqual({ version: 2, namespace: 'users', entity: 'user', id: '42' });
    expect(schema.owns(key)).toBe(true);
    expect(createKeySchema({ prefix: 'app', version: 3 }).owns(key)).toBe(false);
  });

  it('escapes separators, hash-tag braces, globs and whitespace in ids', () => {
    const id = 'a:b{c}*?[x] y%\n';
    const key = schema.key({ namespace: 'users', entity: 'user', id });
    expect(key.split(':')).toHaveLength(5);
    expect(key).not.toMatch(/[{}*?\s[\]]/);
    expect(schema.parse(key).id).toBe(id);
  });

  it('rejects bad names, empty ids and overlong keys with InvalidKeyError', () => {
    expect(() => schema.key({ namespace: 'us ers', entity: 'user', id: 1 })).toThrow(
      InvalidKeyError,
    );
    expect(() => schema.key({ namespace: 'users', entity: '', id: 1 })).toThrow(InvalidKeyError);
    expect(() => schema.key({ namespace: 'users', entity: 'user', id: '' })).toThrow(
      InvalidKeyError,
    );
    expect(() => schema.key({ namespace: 'users', entity: 'user', id: Number.NaN })).toThrow(
      InvalidKeyError,
    );
    const small = createKeySchema({ prefix: 'p', maxLength: 32 });
    expect(() => small.key({ namespace: 'n', entity: 'e', id: 'x'.repeat(40) })).toThrow(
      /longer than 32/,
    );
    expect(() => schema.parse('other:v1:a:b:c')).toThrow(InvalidKeyError);
    expect(() => createKeySchema({ prefix: 'a:b' })).toThrow(InvalidKeyError);
    expect(() => createKeySchema({ prefix: 'a', version: 0 })).toThrow(InvalidOptionError);
  });

  it('bounds key length in UTF-8 bytes, not characters', () => {
    expect(() => assertKey('é'.repeat(10), 20)).not.toThrow();
    expect(() => assertKey('é'.repeat(11), 20)).toThrow(InvalidKeyError);
    expect(() => assertKey(12 as unknown as string, 20)).toThrow(/must be a string/);
  });
});

describe('durations and byte sizes', () => {
  it('parses numbers and strings', () => {
    expect(toMs('ttl', 250)).toBe(250);
    expect(toMs('ttl', '250ms')).toBe(250);
    expect(toMs('ttl', '5s')).toBe(5000);
    expect(toMs('ttl', '5m')).toBe(300_000);
    expect(toMs('ttl', '1.5h')).toBe(5_400_000);
    expect(toMs('ttl', '1d')).toBe(86_400_000);
    expect(toBytes('max', '64mb')).toBe(64 * 1024 * 1024);
    expect(toBytes('max', '512KB')).toBe(512 * 1024);
  });

  it('rejects negative, NaN, infinite and unparsable input with InvalidOptionError', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5 parsecs', '', '-5m']) {
      expect(() => toMs('ttl', bad as number), String(bad)).toThrow(InvalidOptionError);
    }
    expect(() => toBytes('max', '-1mb')).toThrow(InvalidOptionError);
  });
});
