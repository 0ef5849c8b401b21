import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, spawnWorker } from './processes.js';

const prefix = uniquePrefix('locking-sfp');
let client: Redis;

beforeAll(() => {
  assertBuilt();
  client = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

describe('distributed single flight through core', () => {
  it('4 processes, each with 200 concurrent getOrSet of one key over a Redis L2 with redisLocker, call the loader once in total', async () => {
    const workers = Array.from({ length: 4 }, () =>
      spawnWorker(['single-flight', redisUrl(), prefix, '200']),
    );
    // Start together: every process is connected before any of them reads.
    expect(await Promise.all(workers.map((w) => w.nextLine()))).toEqual([
      'ready',
      'ready',
      'ready',
      'ready',
    ]);
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(
      workers.map(async (w) => JSON.parse(await w.nextLine()) as { ok: number }),
    );
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => r.ok)).toEqual([200, 200, 200, 200]);
    expect(Number(await client.get(`${prefix}:loader-calls`))).toBe(1);
  });
});
