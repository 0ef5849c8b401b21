import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { honoRateLimit } from '../../src/http/hono.js';
import { clientKey } from '../../src/index.js';
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

  it('keeps the rate-limit headers on an error answer built outside the middleware', async () => {
    const middleware = honoRateLimit({ limiter: { limit: 5, windowMs: 60_000 } });
    const app = new Hono();
    // An outer error boundary: it answers what escapes `next()` (hono passes a thrown
    // non-Error past its onError), after the rate-limit middleware has returned.
    app.use(async (c, next) => {
      try {
        await next();
      } catch {
        return c.json({ error: 'failed' }, 500);
      }
    });
    app.use(middleware);
    app.get('/throws', () => {
      throw 'not an Error';
    });
    app.get('/fails', () => {
      throw new Error('boom');
    });
    const url = await start(app);
    const escaped = await fetch(`${url}/throws`);
    expect(escaped.status).toBe(500);
    expect(await escaped.json()).toEqual({ error: 'failed' });
    expect(escaped.headers.get('ratelimit')).toMatch(/r=4;/);
    expect(escaped.headers.get('ratelimit-policy')).toBe('"default";q=5;w=60');
    // An Error goes through hono's onError: its 500 carries the headers too.
    const failed = await fetch(`${url}/fails`);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('ratelimit')).toMatch(/r=3;/);
    await middleware.close();
  });

  it('groups IPv6 clients by /56 through clientKey', async () => {
    const middleware = honoRateLimit({
      limiter: { limit: 2, windowMs: 60_000 },
      // Stands in for an address a trusted proxy sets; clientKey groups IPv6 by /56.
      key: (c) => clientKey(c.req.header('x-test-ip') ?? ''),
    });
    const app = new Hono();
    app.use(middleware);
    app.get('/', (c) => c.text('ok'));
    const url = await start(app);
    const from = (ip: string) => fetch(url, { headers: { 'x-test-ip': ip } });
    expect((await from('2001:db8:1234:5601::1')).status).toBe(200);
    expect((await from('2001:db8:1234:56ff::2')).status).toBe(200);
    // Same /56, third request: over the limit.
    expect((await from('2001:db8:1234:56aa::3')).status).toBe(429);
    expect((await middleware.limiter.peek('ip:2001:db8:1234:5600::/56')).remaining).toBe(0);
    // Another /56 and an IPv4 client count apart.
    expect((await from('2001:db8:1234:5700::1')).status).toBe(200);
    expect((await from('198.51.100.4')).status).toBe(200);
    await middleware.close();
  });
});
