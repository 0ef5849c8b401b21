import { createServer } from 'node:http';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CachestackStore } from '../../src/http/express-rate-limit-store.js';
import { RedisStore } from '../../src/index.js';
import { getMany, listen } from './serve.js';

const prefix = uniquePrefix('ratelimit-erl');
let redis: Redis;
const closers: Array<() => Promise<void>> = [];

beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function start(store: CachestackStore, extra: Record<string, unknown> = {}): Promise<string> {
  const app = express();
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: 3,
      store,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      ...extra,
    }),
  );
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('no');
  });
  const server = await listen(createServer(app));
  closers.push(server.close);
  return server.url;
}

describe('CachestackStore under express-rate-limit', () => {
  it('counts hits so express-rate-limit admits exactly its limit', async () => {
    const store = new CachestackStore();
    closers.push(() => store.shutdown());
    const url = await start(store);
    const responses = await getMany(url, 5);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(responses[0]!.headers.get('ratelimit')).toMatch(/r=2/);
    expect(store.localKeys).toBe(true);
    const info = await store.get('127.0.0.1');
    expect(info?.totalHits).toBe(5);
    expect(info!.resetTime!.getTime()).toBeGreaterThan(Date.now());
    expect(info!.resetTime!.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('takes failed requests back with skipFailedRequests (decrement)', async () => {
    const store = new CachestackStore();
    closers.push(() => store.shutdown());
    const url = await start(store, { skipFailedRequests: true, limit: 2 });
    const failures = await getMany(`${url}/fail`, 4);
    expect(failures.map((r) => r.status)).toEqual([500, 500, 500, 500]);
    expect((await getMany(url, 3)).map((r) => r.status)).toEqual([200, 200, 429]);
  });

  it('forgets one key with resetKey and every key with resetAll in memory', async () => {
    const store = new CachestackStore();
    closers.push(() => store.shutdown());
    const url = await start(store, { limit: 1 });
    expect((await getMany(url, 2)).map((r) => r.status)).toEqual([200, 429]);
    await store.resetKey('127.0.0.1');
    expect((await getMany(url, 2)).map((r) => r.status)).toEqual([200, 429]);
    await store.resetAll();
    expect(await store.get('127.0.0.1')).toBeUndefined();
    expect((await fetch(url)).status).toBe(200);
  });

  it('shares counts between two servers through Redis, and refuses resetAll there', async () => {
    const options = {
      store: new RedisStore({ redis, prefix }),
      failurePolicy: 'closed' as const,
      timeoutMs: 5000,
    };
    const a = new CachestackStore(options);
    const b = new CachestackStore(options);
    closers.push(
      () => a.shutdown(),
      () => b.shutdown(),
    );
    const urlA = await start(a);
    const urlB = await start(b);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(i % 2 === 0 ? urlA : urlB)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    expect(a.localKeys).toBe(false);
    await expect(a.resetAll()).rejects.toMatchObject({ code: 'CACHESTACK_RATELIMIT_UNSUPPORTED' });
    await b.resetKey('127.0.0.1');
    expect((await fetch(urlA)).status).toBe(200);
  });

  it('fails clearly when used before init and after shutdown', async () => {
    const store = new CachestackStore();
    await expect(store.increment('k')).rejects.toMatchObject({ code: 'CACHESTACK_INVALID_OPTION' });
    store.init({ windowMs: 1000 } as Parameters<CachestackStore['init']>[0]);
    expect((await store.increment('k')).totalHits).toBe(1);
    await store.shutdown();
    await expect(store.increment('k')).rejects.toMatchObject({ code: 'CACHESTACK_CLOSED' });
  });
});
