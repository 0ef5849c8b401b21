import { describe, expect, it } from 'vitest';
import { compression } from '../src/index.js';
import { jsonPayload } from './fixtures.js';

const THRESHOLD = 2048;
// Bytes of a JSON payload cut to exactly n bytes (still compressible text).
const ofSize = (n: number) => jsonPayload('users', n + 1024).subarray(0, n);

describe('thresholdBytes', () => {
  it('stores a value of threshold - 1 bytes as is, in the same buffer, and counts it', () => {
    const codec = compression({ algorithm: 'gzip', thresholdBytes: THRESHOLD });
    const data = ofSize(THRESHOLD - 1);
    const out = codec.encode(data);
    expect(out).toEqual({ id: 0, data });
    expect((out as { data: Uint8Array }).data).toBe(data);
    const stats = codec.stats();
    expect(stats.skippedThreshold).toBe(1);
    expect(stats.algorithms.gzip.encodes).toBe(0);
    expect(stats.bytesIn).toBe(THRESHOLD - 1);
    expect(stats.bytesOut).toBe(THRESHOLD - 1);
  });

  it('compresses values of exactly the threshold and one byte more', async () => {
    const codec = compression({ algorithm: 'gzip', thresholdBytes: THRESHOLD });
    for (const n of [THRESHOLD, THRESHOLD + 1]) {
      const data = ofSize(n);
      const out = await codec.encode(data);
      expect(out.id).toBe(1);
      expect(out.data.byteLength).toBeLessThan(n);
      expect(Buffer.from(await codec.decode(out.id, out.data)).equals(data)).toBe(true);
    }
    expect(codec.stats().skippedThreshold).toBe(0);
    expect(codec.stats().compressed).toBe(2);
  });

  it('accepts sizes as strings', async () => {
    const codec = compression({ algorithm: 'brotli', thresholdBytes: '2kb' });
    expect((await codec.encode(ofSize(2047))).id).toBe(0);
    expect((await codec.encode(ofSize(2048))).id).toBe(3);
  });

  it('returns the empty value itself below the default threshold', () => {
    const codec = compression();
    const empty = new Uint8Array(0);
    const out = codec.encode(empty) as { id: number; data: Uint8Array };
    expect(out.id).toBe(0);
    expect(out.data).toBe(empty);
    expect(codec.decode(0, empty)).toBe(empty);
  });
});

describe('minSavingsRatio', () => {
  // 4 KiB: half compressible text, half random bytes: gzip saves roughly 40%.
  const half = Buffer.concat([
    ofSize(2048),
    Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + ((i * i) % 251)) & 0xff)),
  ]);

  it('keeps the compressed bytes when they save at least the ratio', async () => {
    const codec = compression({ algorithm: 'gzip', minSavingsRatio: 0.2 });
    const out = await codec.encode(half);
    expect(out.id).toBe(1);
    expect(1 - out.data.byteLength / half.byteLength).toBeGreaterThanOrEqual(0.2);
  });

  it('stores the original (same buffer) when the saving is below the ratio, and counts it', async () => {
    const codec = compression({ algorithm: 'gzip', minSavingsRatio: 0.9 });
    const out = await codec.encode(half);
    expect(out.id).toBe(0);
    expect(out.data).toBe(half);
    const stats = codec.stats();
    expect(stats.skippedWorthiness).toBe(1);
    expect(stats.compressed).toBe(0);
    // The discarded run still shows in the algorithm's figures (its CPU time was spent).
    expect(stats.algorithms.gzip.encodes).toBe(1);
    expect(stats.bytesOut).toBe(half.byteLength);
  });

  it('with 0 keeps any saving but never a result that is not smaller', async () => {
    const codec = compression({ algorithm: 'gzip', minSavingsRatio: 0, thresholdBytes: 0 });
    expect((await codec.encode(half)).id).toBe(1);
    const tiny = Uint8Array.of(1, 2, 3);
    expect((await codec.encode(tiny)).data).toBe(tiny);
  });
});
