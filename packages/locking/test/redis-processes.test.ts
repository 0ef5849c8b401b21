import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLocks } from '../src/index.js';
import { fencedWrite } from './fixtures/fenced-resource.mjs';
import { assertBuilt, spawnWorker } from './processes.js';

const prefix = uniquePrefix('locking-proc');
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

function strictlyIncreasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}

describe('Redis lock across processes', () => {
  it('keeps mutual exclusion across 4 processes: no lost update, fencing tokens strictly increase', async () => {
    const p = `${prefix}:counter`;
    const processes = 4;
    const iterations = 40;
    const workers = Array.from({ length: processes }, () =>
      spawnWorker(['counter', redisUrl(), p, String(iterations)]),
    );
    const results = await Promise.all(
      workers.map(async (w) => JSON.parse(await w.nextLine()) as { accepted: number }),
    );
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(processes * iterations);
    expect(Number(await client.get(`${p}:value`))).toBe(processes * iterations);
    const tokens = (await client.lrange(`${p}:tokens`, 0, -1)).map(Number);
    expect(tokens).toHaveLength(processes * iterations);
    expect(strictlyIncreasing(tokens)).toBe(true);
  });

  it('a holder stopped past its lease loses the lock to another, and its late write is rejected by its fencing token', async () => {
    const p = `${prefix}:stale`;
    const stale = spawnWorker(['stale', redisUrl(), p, '300']);
    const line = await stale.nextLine();
    expect(line).toMatch(/^acquired \d+$/);
    const staleToken = Number(line.split(' ')[1]);
    stale.child.kill('SIGSTOP');
    const locks = createRedisLocks({ client, prefix: `${p}:lock:` });
    try {
      // Waits until the stopped holder's lease runs out, then takes the lock.
      const lock = await locks.acquire('counter', { acquireTimeoutMs: 10_000, leaseMs: 10_000 });
      expect(lock.fencingToken).toBeGreaterThan(staleToken);
      expect(await fencedWrite(client, p, 'fresh', lock.fencingToken)).toBe(true);
      await lock.release();
    } finally {
      stale.child.kill('SIGCONT');
      await locks.close();
    }
    stale.child.stdin.write('go\n');
    expect(await stale.nextLine()).toBe('write 0');
    expect(await stale.exited).toBe(0);
    expect(await client.get(`${p}:value`)).toBe('fresh');
  });
});
