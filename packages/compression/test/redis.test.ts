import {
  CorruptEntryError,
  decodeFrame,
  type Entry,
  encodeFrame,
  jsonSerializer,
} from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableAlgorithms, type CompressionCodec, codecIds, compression } from '../src/index.js';
import { binaryRecords, type JsonShape, jsonPayload, randomBytes } from './fixtures.js';

// Frames as core writes them to L2, stored as bytes in the shared Redis under a unique
// prefix (SET of the bytes, getBuffer back, as an L2 store does), then read back and decoded.
let redis: Redis;
const prefix = uniquePrefix('compression');
const written = new Set<string>();

beforeAll(() => {
  redis = new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  if (written.size > 0) await redis.del(...written);
  await redis.quit();
});

const entry = (value: unknown): Entry => ({
  value,
  createdAt: 1_700_000_000_000,
  freshUntil: 1_700_000_060_000,
  staleUntil: 1_700_000_120_000,
  tags: ['orders', 'tenant:42'],
});

async function store(key: string, value: unknown, codec: CompressionCodec | undefined) {
  const frame = await encodeFrame(entry(value), jsonSerializer, codec);
  written.add(`${prefix}${key}`);
  await redis.set(`${prefix}${key}`, Buffer.from(frame), 'PX', 60_000);
  return frame;
}

async function load(key: string, codecs: CompressionCodec[]) {
  const bytes = await redis.getBuffer(`${prefix}${key}`);
  expect(bytes).not.toBeNull();
  return decodeFrame(bytes!, { serializer: jsonSerializer, codecs });
}

describe('frames with compressed payloads in Redis', () => {
  it.each(availableAlgorithms())(
    'round-trips JSON documents of every shape with %s',
    async (name) => {
      const codec = compression({ algorithm: name });
      for (const shape of ['users', 'orders', 'feed', 'metrics'] as JsonShape[]) {
        for (const size of [500, 16_000, 200_000]) {
          const value = JSON.parse(jsonPayload(shape, size).toString('utf8')) as unknown;
          const key = `${name}:${shape}:${size}`;
          const frame = await store(key, value, codec);
          // Under the 1 KiB default threshold the frame holds the value as is (codec id 0).
          expect(frame[3]).toBe(size < 1000 ? 0 : codecIds[name]);
          const back = await load(key, [compression({ algorithm: 'gzip' })]);
          expect(back.value).toEqual(value);
          expect(back.tags).toEqual(['orders', 'tenant:42']);
        }
      }
    },
  );

  it('round-trips binary, random and empty values (Buffers survive the serializer)', async () => {
    const codec = compression();
    const values = [binaryRecords(50_000), randomBytes(30_000), Buffer.alloc(0), ''];
    for (const [i, value] of values.entries()) {
      await store(`bin:${i}`, value, codec);
      const back = await load(`bin:${i}`, [codec]);
      expect(back.value).toEqual(value);
    }
    expect(codec.stats().skippedWorthiness).toBe(1);
    expect(codec.stats().skippedThreshold).toBe(2);
  });

  it('reads entries written with another codec, or with none, after switching', async () => {
    const value = JSON.parse(jsonPayload('users', 30_000).toString('utf8')) as unknown;
    await store('switch:gzip', value, compression({ algorithm: 'gzip', level: 9 }));
    await store('switch:none', value, undefined);
    await store('switch:auto', value, compression({ algorithm: 'auto' }));
    const newCodec = compression({ algorithm: 'deflate', level: 1 });
    for (const key of ['switch:gzip', 'switch:none', 'switch:auto']) {
      expect((await load(key, [newCodec])).value).toEqual(value);
    }
  });

  it('rejects a frame damaged in Redis with CorruptEntryError', async () => {
    const value = JSON.parse(jsonPayload('feed', 20_000).toString('utf8')) as unknown;
    const frame = Buffer.from(await store('damaged', value, compression()));
    frame[frame.byteLength - 100]! ^= 0x01;
    await redis.set(`${prefix}damaged`, frame, 'PX', 60_000);
    let error: unknown;
    try {
      await load('damaged', [compression()]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorruptEntryError);
  });
});
