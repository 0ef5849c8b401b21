import { decodeFrame, type Entry, jsonSerializer } from '@cachestack/core';
import { redisKeyspace } from '@cachestack/redis';
import type { Redis } from 'ioredis';

/** Deletes every key starting with the prefix (SCAN + UNLINK). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) n += await client.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/** Writes legacy keys quickly with pipelines of 5000. */
export async function writeLegacy(
  client: Redis,
  entries: Iterable<{ key: string; raw: string; ttlMs?: number }>,
): Promise<void> {
  let pipeline = client.pipeline();
  let queued = 0;
  for (const { key, raw, ttlMs } of entries) {
    if (ttlMs === undefined) pipeline.set(key, raw);
    else pipeline.set(key, raw, 'PX', ttlMs);
    if (++queued === 5000) {
      await pipeline.exec();
      pipeline = client.pipeline();
      queued = 0;
    }
  }
  if (queued > 0) await pipeline.exec();
}

/** The frame stored under a new key, decoded, or `undefined`. */
export async function readNew(
  client: Redis,
  prefix: string,
  namespace: string,
  key: string,
): Promise<Entry | undefined> {
  const bytes = await client.getBuffer(redisKeyspace(prefix).entry(namespace, key));
  if (bytes === null) return undefined;
  return decodeFrame(bytes, { serializer: jsonSerializer, codecs: [] });
}

/** PTTL of a new key. */
export function newPttl(
  client: Redis,
  prefix: string,
  namespace: string,
  key: string,
): Promise<number> {
  return client.pttl(redisKeyspace(prefix).entry(namespace, key));
}
