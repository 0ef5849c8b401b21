import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyStore } from '../../src/http/fastify-store.js';
import { RedisStore } from '../../src/index.js';
import { getMany } from './serve.js';

const prefix = uniquePrefix('ratelimit-frl');
let redis: Redis;
const apps: FastifyInstance[] = [];

beforeAll(() => {
  redis = new Redis(redisUrl());
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function start(store: ReturnType<typeof fastifyStore>): Promise<string> {
  const app = Fastify();
  await app.register(rateLimit, { max: 3, timeWindow: 60_000, store });
  app.get('/', async () => 'ok');
  app.get('/own', { config: { rateLimit: { max: 1, timeWindow: 60_000 } } }, async () => 'own');
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('fastifyStore under @fastify/rate-limit', () => {
  it('counts in memory: the plugin admits its max and routes with their own config count apart', async () => {
    const store = fastifyStore();
    const url = await start(store);
    const responses = await getMany(url, 4);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(responses[0]!.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(responses[0]!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect((await getMany(`${url}/own`, 2)).map((r) => r.status)).toEqual([200, 429]);
    await store.close();
  });

  it('shares counts between two servers through Redis', async () => {
    const options = { store: new RedisStore({ redis, prefix }), failurePolicy: 'closed' as const };
    const storeA = fastifyStore(options);
    const storeB = fastifyStore(options);
    const urlA = await start(storeA);
    const urlB = await start(storeB);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(i % 2 === 0 ? urlA : urlB)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    await storeA.close();
    await storeB.close();
  });

  it('refuses continueExceeding, which it cannot honour', async () => {
    const app = Fastify();
    apps.push(app);
    await expect(
      app.register(rateLimit, { max: 1, continueExceeding: true, store: fastifyStore() }),
    ).rejects.toMatchObject({ code: 'CACHESTACK_RATELIMIT_UNSUPPORTED' });
  });
});
