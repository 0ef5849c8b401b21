import { afterEach, describe, expect, it } from 'vitest';
import { sampleSavings } from '../src/auto.js';
import { codecIds, compression, compressionChannels, type EncodeMessage } from '../src/index.js';
import { jsonPayload, randomBytes } from './fixtures.js';

const seen: EncodeMessage[] = [];
const listener = (message: unknown) => seen.push(message as EncodeMessage);
compressionChannels.encode.subscribe(listener);
afterEach(() => {
  seen.length = 0;
});

/** 64-byte blocks alternating random bytes and JSON text: compresses moderately. */
function halfRandom(bytes: number): Buffer {
  const text = jsonPayload('feed', bytes);
  const noise = randomBytes(bytes);
  const out = Buffer.alloc(bytes);
  for (let o = 0; o < bytes; o += 64)
    (o / 64) % 2 ? noise.copy(out, o, o, o + 64) : text.copy(out, o, o, o + 64);
  return out;
}

describe("algorithm: 'auto'", () => {
  it('stores incompressible values as is after a sample, without a full compression run', async () => {
    const codec = compression({ algorithm: 'auto' });
    const data = randomBytes(200 * 1024);
    const out = await codec.encode(data);
    expect(out.id).toBe(0);
    expect(out.data).toBe(data);
    const stats = codec.stats();
    expect(stats.skippedSample).toBe(1);
    expect(stats.algorithms.brotli.encodes + stats.algorithms.gzip.encodes).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('uses the strong choice (brotli 5) for JSON up to autoStrongMaxBytes', async () => {
    const codec = compression({ algorithm: 'auto' });
    for (const size of [2 * 1024, 64 * 1024, 900 * 1024]) {
      const data = jsonPayload('orders', size);
      const out = await codec.encode(data);
      expect(out.id).toBe(codecIds.brotli);
      expect(Buffer.from(await codec.decode(out.id, out.data)).equals(data)).toBe(true);
    }
    expect(seen.map((m) => `${m.algorithm}:${m.level}`)).toEqual([
      'brotli:5',
      'brotli:5',
      'brotli:5',
    ]);
  });

  it('uses the fast choice (brotli 1) for JSON above autoStrongMaxBytes', async () => {
    const codec = compression({ algorithm: 'auto', autoStrongMaxBytes: '256kb' });
    const data = jsonPayload('users', 300 * 1024);
    const out = await codec.encode(data);
    expect(out.id).toBe(codecIds.brotli);
    expect(seen.map((m) => `${m.algorithm}:${m.level}`)).toEqual(['brotli:1']);
  });

  it('uses the fast choice for moderately compressible values', async () => {
    const data = halfRandom(100 * 1024);
    const estimate = sampleSavings(data, 3072);
    expect(estimate).toBeGreaterThan(0.1);
    expect(estimate).toBeLessThan(0.5);
    const out = await compression({ algorithm: 'auto' }).encode(data);
    expect(out.id).toBe(codecIds.brotli);
    expect(seen.map((m) => m.level)).toEqual([1]);
  });

  it('leaves values under thresholdBytes alone without sampling', () => {
    const codec = compression({ algorithm: 'auto', thresholdBytes: 4096 });
    const data = jsonPayload('users', 3000).subarray(0, 4095);
    expect(codec.encode(data)).toEqual({ id: 0, data });
    expect(codec.stats().skippedThreshold).toBe(1);
    expect(codec.stats().skippedSample).toBe(0);
  });

  it('honours configured fast and strong choices', async () => {
    const codec = compression({
      algorithm: 'auto',
      autoFast: { algorithm: 'deflate', level: 1 },
      autoStrong: { algorithm: 'gzip' },
    });
    expect((await codec.encode(jsonPayload('feed', 8000))).id).toBe(codecIds.gzip);
    expect((await codec.encode(halfRandom(50_000))).id).toBe(codecIds.deflate);
    expect(seen.map((m) => `${m.algorithm}:${m.level}`)).toEqual(['gzip:6', 'deflate:1']);
    expect(codec.name).toBe('auto');
    expect(codec.level).toBeUndefined();
  });

  it('samples the start, middle and end of large values, not just the header', () => {
    const header = jsonPayload('users', 4096);
    const data = Buffer.concat([header, randomBytes(400 * 1024)]);
    expect(sampleSavings(header, 3072)).toBeGreaterThan(0.5);
    // Only one stripe of three is compressible.
    expect(sampleSavings(data, 3072)).toBeLessThan(0.4);
  });
});
