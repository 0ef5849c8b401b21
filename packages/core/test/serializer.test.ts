import { describe, expect, it } from 'vitest';
import { jsonSerializer } from '../src/codec/serializer.js';
import { SerializationError } from '../src/contracts/errors.js';

const roundTrip = (value: unknown) => jsonSerializer.deserialize(jsonSerializer.serialize(value));

describe('type-faithful JSON serializer', () => {
  it('round-trips Date, Map, Set, BigInt, Buffer, Uint8Array and undefined inside objects', () => {
    const value = {
      when: new Date('2026-01-02T03:04:05.678Z'),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['x'])],
      ]),
      set: new Set([1, 2, 3]),
      big: 12345678901234567890n,
      buf: Buffer.from([0, 1, 2, 255]),
      u8: new Uint8Array([9, 8, 7]),
      missing: undefined,
      list: [undefined, null, 1],
      nested: { deep: { date: new Date(0) } },
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(back.when).toBeInstanceOf(Date);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.set).toBeInstanceOf(Set);
    expect(typeof back.big).toBe('bigint');
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(back.u8).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.u8)).toBe(false);
    expect(Object.hasOwn(back, 'missing')).toBe(true);
    expect(back.list).toHaveLength(3);
    expect(back.list[0]).toBeUndefined();
  });

  it('round-trips special numbers and top-level primitives', () => {
    expect(roundTrip(Number.NaN)).toBeNaN();
    expect(roundTrip(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(roundTrip(undefined)).toBeUndefined();
    expect(roundTrip('plain ✓ string')).toBe('plain ✓ string');
    expect(roundTrip('')).toBe('');
    expect(roundTrip(null)).toBeNull();
    expect(roundTrip(42)).toBe(42);
    expect(roundTrip(new Date(Number.NaN))).toBeInstanceOf(Date);
  });

  it('keeps objects that own a "$cs" property intact', () => {
    const value = { $cs: 'D', v: 1, other: { $cs: 'x' } };
    expect(roundTrip(value)).toEqual(value);
  });

  it('stores a top-level Buffer raw, without base64', () => {
    const buf = Buffer.alloc(1000, 7);
    expect(jsonSerializer.serialize(buf).byteLength).toBe(1001);
  });

  it('rejects functions, symbols and circular structures with SerializationError', () => {
    expect(() => jsonSerializer.serialize({ f: () => 1 })).toThrow(SerializationError);
    expect(() => jsonSerializer.serialize({ s: Symbol('x') })).toThrow(SerializationError);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    try {
      jsonSerializer.serialize(circular);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).code).toBe('CACHESTACK_SERIALIZATION');
    }
  });
});
