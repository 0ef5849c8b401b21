import { describe, expect, it } from 'vitest';
import { CorruptFileError, decodeEntry, decodeHead, encodeEntry } from '../src/entry-file.js';

const file = Buffer.concat(
  encodeEntry('user:42', ['users', 'team:7'], Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 1234.5),
);

describe('entry file format', () => {
  it('round-trips key, tags, expiry and value', () => {
    const { head, value } = decodeEntry(file);
    expect(head).toMatchObject({ key: 'user:42', tags: ['users', 'team:7'], expiresAt: 1234.5 });
    expect([...value]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects the file cut at every length (a torn write)', () => {
    for (let n = 0; n < file.length; n++) {
      expect(() => decodeEntry(file.subarray(0, n))).toThrow(CorruptFileError);
    }
  });

  it('rejects the file with any single byte changed', () => {
    for (let i = 0; i < file.length; i++) {
      const damaged = Buffer.from(file);
      damaged[i] = damaged[i]! ^ 0x01;
      expect(() => decodeEntry(damaged)).toThrow(CorruptFileError);
    }
  });

  it('rejects the file with trailing garbage', () => {
    expect(() => decodeEntry(Buffer.concat([file, Buffer.from([0])]))).toThrow(CorruptFileError);
  });

  it('verifies the head on its own, so expiry and tags are trusted without the value', () => {
    const headBytes = file.subarray(0, 32 + 7 + 4 + 5 + 4 + 6);
    expect(decodeHead(headBytes).tags).toEqual(['users', 'team:7']);
    const damaged = Buffer.from(headBytes);
    damaged[40] = damaged[40]! ^ 0xff;
    expect(() => decodeHead(damaged)).toThrow(CorruptFileError);
  });
});
