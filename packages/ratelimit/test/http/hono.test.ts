import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { honoRateLimit } from '../../src/http/hono.js';
import { getMany } from './serve.js';

const servers: ServerType[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function start(app: Hono): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    servers.push(server);
  });
}

describe('honoRateLimit over real HTTP', () => {
  it('keys on the socket address by default and answers 429 with a problem body', async () => {
    const middleware = honoRateLimit({ limiter: { limit: 2, windowMs: 60_000 } });
    const app = new Hono();
    app.use(middleware);
    app.get('/', (c) => c.text('ok'));
    app.get('/raw', () => new Response('raw'));
    const url = await start(app);
    const responses = await getMany(url, 2);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[0]!.headers.get('ratelimit')).toMatch(/^"default";r=1;t=\d+$/);
    expect(responses[0]!.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    const rejected = await fetch(`${url}/raw`);
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(rejected.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await rejected.json()).toMatchObject({
      title: 'Too Many Requests',
      retryAfterSeconds: retryAfter,
    });
    expect((await middleware.limiter.peek('ip:127.0.0.1')).remaining).toBe(0);
    await middleware.close();
  });

  it('sets headers on a Response the handler built itself', async () => {
    const middleware = honoRateLimit({ limiter: { limit: 5, windowMs: 60_000 } });
    const app = new Hono();
    app.use(middleware);
    app.get('/raw', () => new Response('raw'));
    const url = await start(app);
    const response = await fetch(`${url}/raw`);
    expect(await response.text()).toBe('raw');
    expect(response.headers.get('ratelimit')).toMatch(/r=4;/);
    await middleware.close();
  });

  it('skips, charges cost, keys with a custom function and calls onRejected', async () => {
    const middleware = honoRateLimit({
      limiter: { limit: 3, windowMs: 60_000 },
      // Stands in for an address a trusted proxy sets.
      key: (c) => c.req.header('x-client-ip') ?? '',
      skip: (c) => c.req.path === '/free',
      cost: (c) => Number(c.req.query('cost') ?? 1),
      onRejected: (c, decision) => c.json({ left: decision.remaining }, 429),
    });
    const app = new Hono();
    app.use(middleware);
    app.get('/', (c) => c.text('ok'));
    app.get('/free', (c) => c.text('free'));
    const url = await start(app);
    const as = (ip: string, path = '/') =>
      fetch(`${url}${path}`, { headers: { 'x-client-ip': ip } });
    expect((await getMany(`${url}/free`, 5)).every((r) => r.status === 200)).toBe(true);
    expect((await fetch(`${url}/?cost=2`, { headers: { 'x-client-ip': 'a' } })).status).toBe(200);
    expect((await as('a')).status).toBe(200);
    const rejected = await as('a');
    expect(rejected.status).toBe(429);
    expect(await rejected.json()).toEqual({ left: 0 });
    expect(rejected.headers.get('retry-after')).not.toBeNull();
    await middleware.close();
  });
});
