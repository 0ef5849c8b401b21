import { type CacheStackError, type Codec, createCache, memoryStore } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompressionUnavailableError,
  codecIds,
  compression,
  DecompressionLimitError,
  isAlgorithmAvailable,
} from '../src/index.js';
import { jsonPayload } from './fixtures.js';

// core's in-process L2 store: the full createCache pipeline (serialize, compress, frame,
// store, read back, decode) without Redis. The Redis round trip is in redis.test.ts.
const caches: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
});

function cacheOver(
  store: ReturnType<typeof memoryStore>,
  options: Parameters<typeof createCache>[0],
) {
  const cache = createCache({ namespace: 'cz', l1: false, l2: store, ...options });
  caches.push(cache);
  return cache;
}

const document = () => JSON.parse(jsonPayload('orders', 40_000).toString('utf8')) as unknown;

describe('createCache with a compression codec', () => {
  it('stores compressed frames in L2 and reads the value back', async () => {
    const store = memoryStore();
    const codec = compression();
    const cache = cacheOver(store, { codec });
    const value = document();
    await cache.set('orders:page:1', value, { ttl: '1m' });
    const frame = await store.get('cz', 'orders:page:1');
    expect(frame?.[3]).toBe(codecIds.brotli);
    expect(frame!.byteLength).toBeLessThan(JSON.stringify(value).length * 0.4);
    expect(await cache.get('orders:page:1')).toEqual(value);
    expect(codec.stats().compressed).toBe(1);
    expect(codec.stats().algorithms.brotli.decodes).toBe(1);
  });

  it('stores values under the threshold uncompressed (codec id 0)', async () => {
    const store = memoryStore();
    const cache = cacheOver(store, { codec: compression({ thresholdBytes: 4096 }) });
    await cache.set('small', { ok: true }, { ttl: '1m' });
    expect((await store.get('cz', 'small'))?.[3]).toBe(0);
    expect(await cache.get('small')).toEqual({ ok: true });
  });

  it('keeps entries readable after the configured codec changes, or is removed', async () => {
    const store = memoryStore();
    const value = document();
    await cacheOver(store, { codec: compression({ algorithm: 'gzip' }) }).set('k1', value, {
      ttl: '1m',
    });
    await cacheOver(store, { codec: compression({ algorithm: 'deflate' }) }).set('k2', value, {
      ttl: '1m',
    });
    await cacheOver(store, {}).set('k3', value, { ttl: '1m' });

    const brotliReader = cacheOver(store, { codec: compression({ algorithm: 'brotli' }) });
    const autoReader = cacheOver(store, { codec: compression({ algorithm: 'auto' }) });
    const plainReader = cacheOver(store, { decoders: [compression()] });
    for (const reader of [brotliReader, autoReader, plainReader]) {
      for (const key of ['k1', 'k2', 'k3']) expect(await reader.get(key)).toEqual(value);
    }
  });

  it('turns a decompression bomb into a miss, deletes it and reports it', async () => {
    const store = memoryStore();
    await cacheOver(store, { codec: compression() }).set('bomb', 'x'.repeat(8 * 1024 * 1024), {
      ttl: '1m',
    });
    expect((await store.get('cz', 'bomb'))!.byteLength).toBeLessThan(64 * 1024);

    const reader = cacheOver(store, { codec: compression({ maxDecompressedBytes: '1mb' }) });
    const reported: CacheStackError[] = [];
    reader.on('store:corrupt', ({ error }) => reported.push(error as CacheStackError));
    expect(await reader.get('bomb')).toBeUndefined();
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(DecompressionLimitError);
    expect(reported[0]!.code).toBe('CACHESTACK_DECOMPRESSION_LIMIT');
    // core deletes it without awaiting; the in-memory store settles within one macrotask.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(await store.get('cz', 'bomb')).toBeUndefined();
  });

  it.skipIf(isAlgorithmAvailable('zstd'))(
    'reads a zstd entry on a Node.js without zstd as a miss reported with CompressionUnavailableError, and keeps it',
    async () => {
      const store = memoryStore();
      // Stands in for a Node 22+ instance: frames the bytes under codec id 4.
      const zstdWriter: Codec = {
        name: 'zstd-writer',
        ids: [4],
        encode: (data) => ({ id: codecIds.zstd, data }),
        decode: (_id, data) => data,
      };
      await cacheOver(store, { codec: zstdWriter }).set('z', document(), { ttl: '1m' });
      const reader = cacheOver(store, { codec: compression() });
      const reported: unknown[] = [];
      reader.on('store:error', ({ error }) => reported.push(error));
      reader.on('store:corrupt', () => reported.push('corrupt'));
      expect(await reader.get('z')).toBeUndefined();
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(CompressionUnavailableError);
      // intact for the instances that can read it
      expect(await store.has('cz', 'z')).toBe(true);
    },
  );
});
