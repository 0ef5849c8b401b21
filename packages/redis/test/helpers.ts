import { Redis } from 'ioredis';

/** Deletes every key under `${prefix}:` on a standalone Redis (shared server: only our keys). */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}
