import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { compression, compressionChannels } from '../src/index.js';
import { jsonPayload, randomBytes } from './fixtures.js';

/** A fake clock that advances `stepMs` on every read. */
function steppingClock(stepMs: number): () => number {
  let t = 1000;
  return () => {
    t += stepMs;
    return t;
  };
}

const subscriptions: (() => void)[] = [];
function record(name: string): unknown[] {
  const messages: unknown[] = [];
  const fn = (m: unknown) => messages.push(m);
  channel(name).subscribe(fn);
  subscriptions.push(() => channel(name).unsubscribe(fn));
  return messages;
}
afterEach(() => {
  for (const fn of subscriptions.splice(0)) fn();
});

describe('stats()', () => {
  it('counts bytes in and out, ratio, time per algorithm and skips', async () => {
    const codec = compression({ algorithm: 'gzip', now: steppingClock(5) });
    const json = jsonPayload('users', 20_000);
    const small = Buffer.from('{"tiny":true}');
    const noise = randomBytes(5000);

    const a = await codec.encode(json);
    await codec.encode(small);
    await codec.encode(noise);
    await codec.decode(a.id, a.data);

    const s = codec.stats();
    expect(s.values).toBe(3);
    expect(s.compressed).toBe(1);
    expect(s.skippedThreshold).toBe(1);
    expect(s.skippedWorthiness).toBe(1);
    expect(s.bytesIn).toBe(json.byteLength + small.byteLength + noise.byteLength);
    expect(s.bytesOut).toBe(a.data.byteLength + small.byteLength + noise.byteLength);
    expect(s.ratio).toBeCloseTo(s.bytesOut / s.bytesIn, 10);
    const gzip = s.algorithms.gzip;
    expect(gzip.encodes).toBe(2);
    expect(gzip.encodeBytesIn).toBe(json.byteLength + noise.byteLength);
    expect(gzip.encodeMs).toBe(10);
    expect(gzip.decodes).toBe(1);
    expect(gzip.decodeBytesIn).toBe(a.data.byteLength);
    expect(gzip.decodeBytesOut).toBe(json.byteLength);
    expect(gzip.decodeMs).toBe(5);
    expect(s.algorithms.brotli.encodes).toBe(0);
  });

  it('starts from zero again after resetStats()', async () => {
    const codec = compression();
    await codec.encode(jsonPayload('feed', 10_000));
    expect(codec.stats().values).toBe(1);
    codec.resetStats();
    expect(codec.stats()).toMatchObject({ values: 0, bytesIn: 0, ratio: 0, compressed: 0 });
    expect(codec.stats().algorithms.brotli.encodes).toBe(0);
  });

  it('returns snapshots that later operations do not change', async () => {
    const codec = compression();
    const before = codec.stats();
    await codec.encode(jsonPayload('feed', 10_000));
    expect(before.values).toBe(0);
    expect(before.algorithms.brotli.encodes).toBe(0);
  });
});

describe('diagnostics channels', () => {
  it('publishes encode, decode, skip and error messages to cachestack:compression:*', async () => {
    const encodes = record('cachestack:compression:encode');
    const decodes = record('cachestack:compression:decode');
    const skips = record('cachestack:compression:skip');
    const errors = record('cachestack:compression:error');
    const codec = compression({ algorithm: 'deflate', now: steppingClock(2) });
    const json = jsonPayload('orders', 5000);

    const out = await codec.encode(json);
    await codec.encode(Uint8Array.of(1));
    await codec.decode(out.id, out.data);
    expect(() => codec.decode(out.id, Uint8Array.of(9, 9, 9))).toThrow();

    expect(encodes).toEqual([
      {
        codec: 'deflate',
        algorithm: 'deflate',
        level: 6,
        bytesIn: json.byteLength,
        bytesOut: out.data.byteLength,
        durationMs: 2,
        path: 'sync',
        kept: true,
      },
    ]);
    expect(decodes).toEqual([
      {
        codec: 'deflate',
        algorithm: 'deflate',
        bytesIn: out.data.byteLength,
        bytesOut: json.byteLength,
        durationMs: 2,
        path: 'sync',
      },
    ]);
    expect(skips).toEqual([{ codec: 'deflate', reason: 'threshold', bytes: 1 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ codec: 'deflate', id: 2, bytesIn: 3 });
  });

  it('exposes the channels it publishes to', () => {
    expect(compressionChannels.encode.name).toBe('cachestack:compression:encode');
    expect(compressionChannels.decode.name).toBe('cachestack:compression:decode');
    expect(compressionChannels.skip.name).toBe('cachestack:compression:skip');
    expect(compressionChannels.error.name).toBe('cachestack:compression:error');
  });
});
