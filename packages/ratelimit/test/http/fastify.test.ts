import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fastifyRateLimit } from '../../src/http/fastify.js';
import { createRateLimiter } from '../../src/index.js';
import { getMany } from './serve.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(app: FastifyInstance): Promise<string> {
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('fastifyRateLimit over real HTTP', () => {
  it('limits every route, with headers, Retry-After and a problem body', async () => {
    const app = Fastify();
    await app.register(fastifyRateLimit, { limiter: { limit: 2, windowMs: 60_000 } });
    app.get('/', async () => 'ok');
    const url = await start(app);
    const responses = await getMany(url, 3);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(responses[0]!.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect(responses[1]!.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    const rejected = responses[2]!;
    expect(rejected.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(rejected.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await rejected.json()).toMatchObject({ status: 429, retryAfterSeconds: retryAfter });
  });

  it('exempts a route with config.rateLimit false and gives another its own limiter', async () => {
    const app = Fastify();
    await app.register(fastifyRateLimit, { limiter: { limit: 1, windowMs: 60_000 } });
    app.get('/', async () => 'ok');
    app.get('/health', { config: { rateLimit: false } }, async () => 'up');
    app.get(
      '/search',
      { config: { rateLimit: { limiter: { name: 'search', limit: 3, windowMs: 1000 } } } },
      async () => 'found',
    );
    const url = await start(app);
    expect((await getMany(url, 2)).map((r) => r.status)).toEqual([200, 429]);
    const health = await getMany(`${url}/health`, 3);
    expect(health.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(health[0]!.headers.get('ratelimit')).toBeNull();
    const search = await getMany(`${url}/search`, 4);
    expect(search.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(search[0]!.headers.get('ratelimit-policy')).toBe('"search";q=3;w=1');
  });

  it('limits only routes that ask for it when global is false, sharing the plugin limiter', async () => {
    const app = Fastify();
    await app.register(fastifyRateLimit, {
      limiter: { limit: 1, windowMs: 60_000 },
      global: false,
    });
    app.get('/', async () => 'ok');
    app.get('/limited', { config: { rateLimit: { headers: 'legacy' } } }, async () => 'l');
    const url = await start(app);
    expect((await getMany(url, 3)).map((r) => r.status)).toEqual([200, 200, 200]);
    const limited = await getMany(`${url}/limited`, 2);
    expect(limited.map((r) => r.status)).toEqual([200, 429]);
    expect(limited[0]!.headers.get('x-ratelimit-limit')).toBe('1');
  });

  it('groups IPv6 clients by /56 with trustProxy, and charges cost', async () => {
    const app = Fastify({ trustProxy: '127.0.0.1' });
    await app.register(fastifyRateLimit, {
      limiter: { limit: 4, windowMs: 60_000 },
      cost: (request) => (request.url === '/heavy' ? 3 : 1),
    });
    app.get('/', async () => 'ok');
    app.get('/heavy', async () => 'heavy');
    const url = await start(app);
    const from = (ip: string, path = '/') =>
      fetch(`${url}${path}`, { headers: { 'X-Forwarded-For': ip } });
    expect((await from('2001:db8:aa:bb00::1', '/heavy')).status).toBe(200);
    expect((await from('2001:db8:aa:bbff::9')).status).toBe(200);
    expect((await from('2001:db8:aa:bb10::5')).status).toBe(429);
    expect((await from('2001:db8:aa:cc00::1', '/heavy')).status).toBe(200);
  });

  it('leaves a limiter it was given open when the app closes', async () => {
    const given = createRateLimiter({ limit: 5, windowMs: 60_000 });
    const app = Fastify();
    await app.register(fastifyRateLimit, { limiter: given });
    app.get('/', async () => 'ok');
    await start(app);
    await app.close();
    apps.length = 0;
    expect((await given.check('k')).allowed).toBe(true);
    await given.close();
  });
});
