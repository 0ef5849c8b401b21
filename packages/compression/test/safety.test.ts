import {
  CorruptEntryError,
  decodeFrame,
  encodeFrame,
  isCacheStackError,
  jsonSerializer,
} from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { zstdContentSize } from '../src/algorithms.js';
import {
  type AlgorithmName,
  availableAlgorithms,
  CompressionUnavailableError,
  codecIds,
  compression,
  DecompressionLimitError,
  isAlgorithmAvailable,
} from '../src/index.js';
import { jsonPayload, randomBytes } from './fixtures.js';

const algorithms = availableAlgorithms();
const LIMIT = 1024 * 1024;

const bombs = new Map<string, Uint8Array>();
/** Compressed zeros: a few KiB that expand to `bytes` (memoized: building one costs CPU). */
async function bomb(name: AlgorithmName, bytes: number): Promise<Uint8Array> {
  const key = `${name}:${bytes}`;
  const known = bombs.get(key);
  if (known) return known;
  const writer = compression({ algorithm: name, level: name === 'brotli' ? 5 : 9 });
  const out = await writer.encode(Buffer.alloc(bytes));
  expect(out.id).toBe(codecIds[name]);
  bombs.set(key, out.data);
  return out.data;
}

const paths = {
  sync: { syncBelowBytes: '1gb', streamAboveBytes: '2gb' },
  async: { syncBelowBytes: 0, streamAboveBytes: '2gb' },
  stream: { syncBelowBytes: 0, streamAboveBytes: 1 },
} as const;

async function failure(promise: () => unknown): Promise<unknown> {
  try {
    await promise();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe.each(algorithms)('%s decompression limits', (name) => {
  it.each(Object.keys(paths) as (keyof typeof paths)[])(
    'rejects a bomb with DecompressionLimitError on the %s path',
    async (path) => {
      const data = await bomb(name, 16 * LIMIT);
      expect(data.byteLength).toBeLessThan(LIMIT / 8);
      const codec = compression({ maxDecompressedBytes: LIMIT, ...paths[path] });
      const error = await failure(() => codec.decode(codecIds[name], data));
      expect(error).toBeInstanceOf(DecompressionLimitError);
      expect(error).toBeInstanceOf(CorruptEntryError);
      expect(error).toMatchObject({
        code: 'CACHESTACK_DECOMPRESSION_LIMIT',
        algorithm: name,
        limitBytes: LIMIT,
      });
      expect(codec.stats().algorithms[name].decodeErrors).toBe(1);
    },
  );

  it('decodes a value of exactly the limit and rejects one byte more', async () => {
    for (const path of Object.values(paths)) {
      const codec = compression({ maxDecompressedBytes: LIMIT, ...path });
      const atLimit = await bomb(name, LIMIT);
      expect((await codec.decode(codecIds[name], atLimit)).byteLength).toBe(LIMIT);
      const over = await bomb(name, LIMIT + 1);
      await expect(failure(() => codec.decode(codecIds[name], over))).resolves.toBeInstanceOf(
        DecompressionLimitError,
      );
    }
  });
});

describe.each(algorithms)('%s corrupt input', (name) => {
  const id = codecIds[name];
  const codec = compression();
  const asyncCodec = compression({ syncBelowBytes: 0 });
  const streamCodec = compression({ syncBelowBytes: 0, streamAboveBytes: 1 });

  it.each([
    ['garbage', () => Buffer.from('{"definitely":"not compressed data at all"}')],
    ['empty input', () => new Uint8Array(0)],
    ['random bytes', () => randomBytes(5000)],
  ])('rejects %s with CorruptEntryError on every path', async (_label, make) => {
    for (const c of [codec, asyncCodec, streamCodec]) {
      const error = await failure(() => c.decode(id, make()));
      expect(error).toBeInstanceOf(CorruptEntryError);
      expect(error).not.toBeInstanceOf(DecompressionLimitError);
      expect((error as CorruptEntryError).code).toBe('CACHESTACK_CORRUPT_ENTRY');
    }
  });

  it('rejects truncated data with CorruptEntryError on every path', async () => {
    const full = await compression({ algorithm: name }).encode(jsonPayload('feed', 50_000));
    const truncated = full.data.subarray(0, Math.floor(full.data.byteLength / 2));
    for (const c of [codec, asyncCodec, streamCodec]) {
      await expect(failure(() => c.decode(id, truncated))).resolves.toBeInstanceOf(
        CorruptEntryError,
      );
    }
  });
});

describe('corrupt input', () => {
  it('rejects data of one algorithm decoded under another id', async () => {
    const gz = await compression({ algorithm: 'gzip' }).encode(jsonPayload('users', 5000));
    const error = await failure(() => compression().decode(codecIds.brotli, gz.data));
    expect(error).toBeInstanceOf(CorruptEntryError);
  });

  it('detects a flipped bit through the gzip and deflate checksums', async () => {
    for (const name of ['gzip', 'deflate'] as const) {
      const out = await compression({ algorithm: name }).encode(jsonPayload('orders', 20_000));
      const damaged = Buffer.from(out.data);
      damaged[Math.floor(damaged.byteLength / 2)]! ^= 0x10;
      const error = await failure(() => compression().decode(out.id, damaged));
      expect(error).toBeInstanceOf(CorruptEntryError);
    }
  });

  it('rejects codec ids that are not this package’s with CorruptEntryError', () => {
    for (const id of [5, 15, 200]) {
      expect(() => compression().decode(id, Uint8Array.of(1, 2, 3))).toThrow(CorruptEntryError);
    }
  });
});

describe('through core frames', () => {
  const entry = (value: unknown) => ({
    value,
    createdAt: 1_700_000_000_000,
    freshUntil: 1_700_000_060_000,
    staleUntil: 1_700_000_120_000,
    tags: ['t1'],
  });

  it('surfaces a bomb frame from decodeFrame as DecompressionLimitError (a CorruptEntryError)', async () => {
    const frame = await encodeFrame(entry('a'.repeat(8 * LIMIT)), jsonSerializer, compression());
    expect(frame.byteLength).toBeLessThan(LIMIT / 8);
    const reader = compression({ algorithm: 'brotli', maxDecompressedBytes: LIMIT });
    const error = await failure(() =>
      decodeFrame(frame, { serializer: jsonSerializer, codecs: [reader] }),
    );
    expect(error).toBeInstanceOf(DecompressionLimitError);
    expect(isCacheStackError(error, 'CACHESTACK_DECOMPRESSION_LIMIT')).toBe(true);
    expect(error).toBeInstanceOf(CorruptEntryError);
  });

  it('surfaces a frame whose compressed payload is damaged as CorruptEntryError', async () => {
    const frame = Buffer.from(
      await encodeFrame(
        entry(JSON.parse(jsonPayload('feed', 8000).toString())),
        jsonSerializer,
        compression(),
      ),
    );
    frame[frame.byteLength - 20]! ^= 0xff;
    const error = await failure(() =>
      decodeFrame(frame, { serializer: jsonSerializer, codecs: [compression()] }),
    );
    expect(error).toBeInstanceOf(CorruptEntryError);
  });
});

describe.skipIf(isAlgorithmAvailable('zstd'))('zstd on a Node.js without it', () => {
  it('is not listed by availableAlgorithms()', () => {
    expect(availableAlgorithms()).toEqual(['gzip', 'deflate', 'brotli']);
  });

  it('throws CompressionUnavailableError when requested explicitly', () => {
    const attempts = [
      () => compression({ algorithm: 'zstd' }),
      () => compression({ algorithm: 'auto', autoFast: { algorithm: 'zstd', level: 1 } }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(CompressionUnavailableError);
      expect(attempt).toThrow(/zstd needs Node 22.15\+ or 23.8\+/);
    }
  });

  it('fails to decode zstd entries with CompressionUnavailableError, not CorruptEntryError', () => {
    const codec = compression();
    let error: unknown;
    try {
      codec.decode(codecIds.zstd, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompressionUnavailableError);
    expect(error).not.toBeInstanceOf(CorruptEntryError);
    expect((error as CompressionUnavailableError).code).toBe('CACHESTACK_COMPRESSION_UNAVAILABLE');
  });
});

describe.runIf(isAlgorithmAvailable('zstd'))('zstd on a Node.js with it', () => {
  it('is listed by availableAlgorithms() and writes codec id 4', async () => {
    expect(availableAlgorithms()).toContain('zstd');
    const out = await compression({ algorithm: 'zstd' }).encode(jsonPayload('users', 10_000));
    expect(out.id).toBe(4);
  });

  it('records the content size in frames written on the sync, async and stream paths', async () => {
    for (const path of Object.values(paths)) {
      const data = jsonPayload('orders', 40_000);
      const out = await compression({ algorithm: 'zstd', ...path }).encode(data);
      expect(zstdContentSize(out.data)).toBe(data.byteLength);
    }
  });

  it('rejects a zstd frame missing its last block bytes (Node 22 would return partial output)', async () => {
    const out = await compression({ algorithm: 'zstd' }).encode(jsonPayload('orders', 40_000));
    const cut = out.data.subarray(0, out.data.byteLength - 16);
    for (const path of Object.values(paths)) {
      const error = await failure(() => compression(path).decode(codecIds.zstd, cut));
      expect(error).toBeInstanceOf(CorruptEntryError);
    }
  });
});

describe('zstdContentSize', () => {
  const magic = [0x28, 0xb5, 0x2f, 0xfd];
  it('reads 1, 2, 4 and 8-byte content sizes and reports frames without one', () => {
    // single segment, flag 0: one byte
    expect(zstdContentSize(Uint8Array.from([...magic, 0x20, 200, 0]))).toBe(200);
    // flag 1 with window byte: two bytes, plus 256
    expect(zstdContentSize(Uint8Array.from([...magic, 0x40, 0x58, 0x10, 0x00, 0]))).toBe(16 + 256);
    // flag 2, single segment: four bytes
    expect(zstdContentSize(Uint8Array.from([...magic, 0xa0, 0x10, 0x27, 0, 0, 0]))).toBe(10_000);
    // flag 3 with window byte and a 1-byte dictionary id: eight bytes
    expect(
      zstdContentSize(Uint8Array.from([...magic, 0xc1, 0x58, 7, 1, 0, 0, 1, 0, 0, 0, 0])),
    ).toBe(2 ** 24 + 1);
    // no content size (streamed without a pledged size)
    expect(zstdContentSize(Uint8Array.from([...magic, 0x00, 0x58, 0, 0]))).toBeUndefined();
    expect(zstdContentSize(Uint8Array.from([1, 2, 3, 4, 5, 6]))).toBeUndefined();
  });
});
