import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AlgorithmName,
  availableAlgorithms,
  type CompressionCodec,
  codecIds,
  compression,
  compressionChannels,
  type EncodeMessage,
} from '../src/index.js';
import {
  alreadyCompressed,
  binaryRecords,
  type JsonShape,
  jsonPayload,
  randomBytes,
} from './fixtures.js';

const algorithms = availableAlgorithms();
const shapes: JsonShape[] = ['users', 'orders', 'feed', 'metrics'];
const sizes = [1024, 20 * 1024, 300 * 1024];

async function roundTrip(codec: CompressionCodec, data: Uint8Array) {
  const encoded = await codec.encode(data);
  const decoded = await codec.decode(encoded.id, encoded.data);
  return { encoded, decoded };
}

const unsubscribe: (() => void)[] = [];
afterEach(() => {
  for (const fn of unsubscribe.splice(0)) fn();
});

function recordEncodes(): EncodeMessage[] {
  const seen: EncodeMessage[] = [];
  const listener = (message: unknown) => seen.push(message as EncodeMessage);
  channel('cachestack:compression:encode').subscribe(listener);
  unsubscribe.push(() => channel('cachestack:compression:encode').unsubscribe(listener));
  return seen;
}

describe.each(algorithms)('%s', (name: AlgorithmName) => {
  it.each(shapes)(
    'compresses and restores %s JSON payloads of 1 KB, 20 KB and 300 KB',
    async (shape) => {
      const codec = compression({ algorithm: name });
      for (const size of sizes) {
        const data = jsonPayload(shape, size);
        const { encoded, decoded } = await roundTrip(codec, data);
        expect(encoded.id).toBe(codecIds[name]);
        expect(encoded.data.byteLength).toBeLessThan(data.byteLength * 0.6);
        expect(Buffer.from(decoded).equals(data)).toBe(true);
      }
    },
  );

  it('saves at least 60% on typical JSON API payloads at the default level', async () => {
    const codec = compression({ algorithm: name });
    for (const shape of ['users', 'orders', 'feed'] as const) {
      const data = jsonPayload(shape, 64 * 1024);
      const { encoded } = await roundTrip(codec, data);
      expect(1 - encoded.data.byteLength / data.byteLength).toBeGreaterThanOrEqual(0.6);
    }
  });

  it('restores binary records at the lowest, default and highest levels', async () => {
    const data = binaryRecords(40 * 1024);
    const probe = compression({ algorithm: name });
    const defaultLevel = probe.level!;
    // Lowest, 1, default, 9 and highest level each algorithm accepts.
    const levels = new Set<number>([defaultLevel, 1, 9]);
    for (const level of [0, 11, 22]) {
      try {
        compression({ algorithm: name, level });
        levels.add(level);
      } catch {
        // outside this algorithm's range
      }
    }
    expect(levels.size).toBeGreaterThanOrEqual(4);
    for (const level of levels) {
      const codec = compression({ algorithm: name, level, minSavingsRatio: 0 });
      const { encoded, decoded } = await roundTrip(codec, data);
      expect(Buffer.from(decoded).equals(data)).toBe(true);
      // Every codec reads what any level wrote.
      expect(Buffer.from(await probe.decode(encoded.id, encoded.data)).equals(data)).toBe(true);
    }
  });

  it('stores random bytes and already-compressed bytes as is, in the same buffer', async () => {
    const codec = compression({ algorithm: name });
    for (const data of [randomBytes(8 * 1024), alreadyCompressed(30 * 1024)]) {
      const encoded = await codec.encode(data);
      expect(encoded.id).toBe(0);
      expect(encoded.data).toBe(data);
    }
    expect(codec.stats().skippedWorthiness).toBe(2);
  });

  it('goes through the sync, async and stream paths by size and restores each', async () => {
    const seen = recordEncodes();
    const codec = compression({
      algorithm: name,
      syncBelowBytes: 8 * 1024,
      streamAboveBytes: 128 * 1024,
    });
    const small = jsonPayload('users', 4 * 1024);
    const medium = jsonPayload('users', 64 * 1024);
    const large = jsonPayload('users', 700 * 1024);

    const smallOut = codec.encode(small);
    expect(smallOut).not.toBeInstanceOf(Promise);
    const mediumOut = codec.encode(medium);
    expect(mediumOut).toBeInstanceOf(Promise);
    const largeOut = codec.encode(large);
    expect(largeOut).toBeInstanceOf(Promise);
    expect(seen.map((m) => m.path)).toEqual(['sync']);
    const encoded = [await smallOut, await mediumOut, await largeOut];
    expect(seen.map((m) => [m.path, m.bytesIn])).toEqual([
      ['sync', small.byteLength],
      ['async', medium.byteLength],
      ['stream', large.byteLength],
    ]);

    const decodePaths: string[] = [];
    const listener = (m: unknown) => decodePaths.push((m as { path: string }).path);
    compressionChannels.decode.subscribe(listener);
    unsubscribe.push(() => compressionChannels.decode.unsubscribe(listener));
    // A codec that streams any compressed input above 4 KiB, to exercise stream decoding.
    const streaming = compression({
      algorithm: name,
      syncBelowBytes: 1024,
      streamAboveBytes: 4096,
    });
    for (const [i, original] of [small, medium, large].entries()) {
      const e = encoded[i]!;
      expect(Buffer.from(await codec.decode(e.id, e.data)).equals(original)).toBe(true);
      expect(Buffer.from(await streaming.decode(e.id, e.data)).equals(original)).toBe(true);
    }
    expect(decodePaths).toContain('stream');
    expect(decodePaths).toContain('sync');
  });

  it('decodes a small input that expands past 256 KiB asynchronously, not on the event loop', async () => {
    const record = jsonPayload('users', 400);
    const data = Buffer.concat(Array.from({ length: 4000 }, () => record));
    const codec = compression({ algorithm: name, level: name === 'brotli' ? 9 : undefined });
    const encoded = await codec.encode(data);
    expect(encoded.data.byteLength).toBeLessThan(16 * 1024);
    const paths: string[] = [];
    const listener = (m: unknown) => paths.push((m as { path: string }).path);
    compressionChannels.decode.subscribe(listener);
    unsubscribe.push(() => compressionChannels.decode.unsubscribe(listener));
    const pending = codec.decode(encoded.id, encoded.data);
    expect(pending).toBeInstanceOf(Promise);
    expect(Buffer.from(await pending).equals(data)).toBe(true);
    expect(paths).toEqual(['async']);
  });

  it('restores an empty value and a one-byte value when the threshold is 0', async () => {
    const codec = compression({ algorithm: name, thresholdBytes: 0, minSavingsRatio: 0 });
    for (const data of [new Uint8Array(0), Uint8Array.of(42)]) {
      const { encoded, decoded } = await roundTrip(codec, data);
      // Compressing 0 or 1 byte can only grow it: stored as is.
      expect(encoded.id).toBe(0);
      expect(encoded.data).toBe(data);
      expect(decoded).toBe(data);
    }
  });

  it('accepts Uint8Array views into a larger buffer', async () => {
    const codec = compression({ algorithm: name });
    const whole = Buffer.concat([
      randomBytes(100),
      jsonPayload('orders', 10_000),
      randomBytes(100),
    ]);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 100, whole.byteLength - 200);
    const { encoded, decoded } = await roundTrip(codec, view);
    expect(encoded.id).toBe(codecIds[name]);
    expect(Buffer.from(decoded).equals(Buffer.from(view))).toBe(true);
  });
});

describe('switching the configured codec', () => {
  it('keeps entries written with every algorithm, level and none readable by every codec', async () => {
    const data = jsonPayload('orders', 30 * 1024);
    const written = [{ id: 0, data: data as Uint8Array }];
    for (const name of algorithms) {
      for (const level of [1, 9])
        written.push(await compression({ algorithm: name, level }).encode(data));
    }
    written.push(await compression({ algorithm: 'auto' }).encode(data));
    const readers = [
      ...algorithms.map((name) => compression({ algorithm: name })),
      compression({ algorithm: 'auto' }),
    ];
    for (const reader of readers) {
      expect(reader.ids).toEqual([1, 2, 3, 4]);
      for (const entry of written) {
        expect(Buffer.from(await reader.decode(entry.id, entry.data)).equals(data)).toBe(true);
      }
    }
  });
});
