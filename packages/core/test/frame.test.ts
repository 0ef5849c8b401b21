import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from '../src/codec/crc32.js';
import { decodeFrame, encodeFrame } from '../src/codec/frame.js';
import { jsonSerializer } from '../src/codec/serializer.js';
import type { Codec } from '../src/contracts/codec.js';
import { CorruptEntryError } from '../src/contracts/errors.js';

const entry = {
  value: { id: 1, name: 'Ada', born: new Date('1815-12-10') },
  createdAt: 1000,
  freshUntil: 2000,
  staleUntil: 3000,
  tags: ['user', 'user:1'],
};

// A real reversible codec (byte reversal) standing for a compression codec.
const reverse: Codec = {
  name: 'reverse',
  ids: [200],
  encode: (data) => ({ id: 200, data: Uint8Array.from(data).reverse() }),
  decode: (_id, data) => Uint8Array.from(data).reverse(),
};

describe('frame', () => {
  it('round-trips an entry with its times, tags and value', () => {
    const bytes = encodeFrame(entry, jsonSerializer, undefined) as Uint8Array;
    expect(decodeFrame(bytes, { serializer: jsonSerializer, codecs: [] })).toEqual(entry);
  });

  it('records the codec id so entries stay readable after the codec changes', async () => {
    const withCodec = (await encodeFrame(entry, jsonSerializer, reverse)) as Uint8Array;
    expect(withCodec[3]).toBe(200);
    const without = encodeFrame(entry, jsonSerializer, undefined) as Uint8Array;
    expect(without[3]).toBe(0);
    // configured codec list knows both: both decode
    expect(await decodeFrame(withCodec, { serializer: jsonSerializer, codecs: [reverse] })).toEqual(
      entry,
    );
    expect(await decodeFrame(without, { serializer: jsonSerializer, codecs: [reverse] })).toEqual(
      entry,
    );
    // an unknown codec id is a corrupt entry, never garbage
    expect(() => decodeFrame(withCodec, { serializer: jsonSerializer, codecs: [] })).toThrow(
      CorruptEntryError,
    );
  });

  it('detects any flipped byte with the checksum', () => {
    const bytes = encodeFrame(entry, jsonSerializer, undefined) as Uint8Array;
    for (let i = 0; i < bytes.byteLength; i++) {
      const copy = Uint8Array.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      expect(
        () => decodeFrame(copy, { serializer: jsonSerializer, codecs: [] }),
        `byte ${i}`,
      ).toThrow(CorruptEntryError);
    }
  });

  it('rejects truncated frames, foreign bytes and newer format versions', () => {
    const bytes = encodeFrame(entry, jsonSerializer, undefined) as Uint8Array;
    const opts = { serializer: jsonSerializer, codecs: [] };
    expect(() => decodeFrame(bytes.subarray(0, 5), opts)).toThrow(CorruptEntryError);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 3), opts)).toThrow(CorruptEntryError);
    expect(() => decodeFrame(Buffer.from('{"json":"from someone else"}'), opts)).toThrow(
      CorruptEntryError,
    );
    const future = Uint8Array.from(bytes);
    future[2] = 99;
    expect(() => decodeFrame(future, opts)).toThrow(/unsupported frame version/);
  });

  it('computes the same CRC-32 natively and portably', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32Portable(data)).toBe(0x414fa339);
  });
});
