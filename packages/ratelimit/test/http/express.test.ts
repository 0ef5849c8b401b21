import { createServer } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressRateLimit } from '../../src/http/express.js';
import { createRateLimiter } from '../../src/index.js';
import { getMany, ipv6LoopbackAvailable, listen } from './serve.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(configure: (app: express.Express) => void): Promise<string> {
  const app = express();
  configure(app);
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  app.get('/free', (_req, res) => {
    res.send('free');
  });
  const server = await listen(createServer(app));
  closers.push(server.close);
  return server.url;
}

describe('expressRateLimit over real HTTP', () => {
  it('admits the limit, then answers 429 with Retry-After and a problem body', async () => {
    const middleware = expressRateLimit({ limiter: { limit: 3, windowMs: 60_000 } });
    closers.push(middleware.close);
    const url = await start((app) => app.use(middleware));
    const responses = await getMany(url, 4);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(responses[0]!.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(responses[0]!.headers.get('ratelimit')).toMatch(/^"default";r=2;t=\d+$/);
    expect(responses[2]!.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    expect(responses[0]!.headers.get('retry-after')).toBeNull();
    expect(responses[0]!.headers.get('x-ratelimit-limit')).toBeNull();
    const rejected = responses[3]!;
    const retryAfter = Number(rejected.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(rejected.headers.get('ratelimit')).toBe(`"default";r=0;t=${retryAfter}`);
    expect(rejected.headers.get('content-type')).toBe('application/problem+json');
    expect(await rejected.json()).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: `Rate limit exceeded; retry in ${retryAfter} s.`,
      retryAfterSeconds: retryAfter,
    });
  });

  it('does not count or decorate skipped requests', async () => {
    const middleware = expressRateLimit({
      limiter: { limit: 1, windowMs: 60_000 },
      skip: (req) => req.path === '/free',
    });
    closers.push(middleware.close);
    const url = await start((app) => app.use(middleware));
    const free = await getMany(`${url}/free`, 3);
    expect(free.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(free[0]!.headers.get('ratelimit')).toBeNull();
    expect((await getMany(url, 2)).map((r) => r.status)).toEqual([200, 429]);
  });

  it('charges the cost of each request', async () => {
    const middleware = expressRateLimit({
      limiter: { limit: 10, windowMs: 60_000 },
      cost: (req) => Number(req.query.cost ?? 1),
    });
    closers.push(middleware.close);
    const url = await start((app) => app.use(middleware));
    const heavy = await fetch(`${url}/?cost=7`);
    expect(heavy.headers.get('ratelimit')).toMatch(/r=3;/);
    expect((await fetch(`${url}/?cost=4`)).status).toBe(429);
    expect((await fetch(`${url}/?cost=3`)).status).toBe(200);
  });

  it('adds X-RateLimit-* in legacy mode and no rate-limit headers with false', async () => {
    const legacy = expressRateLimit({ limiter: { limit: 5, windowMs: 60_000 }, headers: 'legacy' });
    const none = expressRateLimit({ limiter: { limit: 1, windowMs: 60_000 }, headers: false });
    closers.push(legacy.close, none.close);
    const url = await start((app) => {
      app.use('/legacy', legacy);
      app.use('/none', none);
      app.get('/legacy', (_req, res) => {
        res.send('l');
      });
      app.get('/none', (_req, res) => {
        res.send('n');
      });
    });
    const before = Math.floor(Date.now() / 1000);
    const l = await fetch(`${url}/legacy`);
    expect(l.headers.get('x-ratelimit-limit')).toBe('5');
    expect(l.headers.get('x-ratelimit-remaining')).toBe('4');
    const reset = Number(l.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(before);
    expect(reset).toBeLessThanOrEqual(before + 62);
    expect(l.headers.get('ratelimit')).toMatch(/r=4;/);
    const [ok, rejected] = await getMany(`${url}/none`, 2);
    expect(ok!.headers.get('ratelimit')).toBeNull();
    expect(rejected!.status).toBe(429);
    expect(rejected!.headers.get('ratelimit')).toBeNull();
    expect(Number(rejected!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('groups IPv6 clients by /56 behind a trusted proxy', async () => {
    const middleware = expressRateLimit({ limiter: { limit: 2, windowMs: 60_000 } });
    closers.push(middleware.close);
    const url = await start((app) => {
      app.set('trust proxy', 'loopback');
      app.use(middleware);
    });
    const from = (ip: string) => fetch(url, { headers: { 'X-Forwarded-For': ip } });
    expect((await from('2001:db8:1234:5601::1')).status).toBe(200);
    expect((await from('2001:db8:1234:56ff::2')).status).toBe(200);
    // Same /56, third request: over the limit.
    expect((await from('2001:db8:1234:56aa::3')).status).toBe(429);
    // Another /56 and an IPv4 client count apart.
    expect((await from('2001:db8:1234:5700::1')).status).toBe(200);
    expect((await from('198.51.100.4')).status).toBe(200);
  });

  it('keys a client on a real IPv6 socket by its /56 through req.ip', async (ctx) => {
    if (!(await ipv6LoopbackAvailable())) {
      ctx.skip('IPv6 loopback (::1) is not available on this host');
    }
    const middleware = expressRateLimit({ limiter: { limit: 2, windowMs: 60_000 } });
    closers.push(middleware.close);
    const app = express();
    let seenIp: string | undefined;
    app.use((req, _res, next) => {
      seenIp = req.ip;
      next();
    });
    app.use(middleware);
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const server = await listen(createServer(app), '::1');
    closers.push(server.close);
    const [first, second, third] = await getMany(server.url, 3);
    expect(seenIp).toBe('::1');
    expect(first!.status).toBe(200);
    expect(first!.headers.get('ratelimit')).toMatch(/r=1;/);
    expect(second!.status).toBe(200);
    expect(third!.status).toBe(429);
    // Counted under the /56 of ::1, not under the bare address.
    expect((await middleware.limiter.peek('ip:::/56')).remaining).toBe(0);
    const untouched = (await middleware.limiter.peek('ip:never-seen')).remaining;
    expect((await middleware.limiter.peek('ip:::1')).remaining).toBe(untouched);
  });

  it('lets onRejected write its own answer', async () => {
    expect.assertions(3);
    const middleware = expressRateLimit({
      limiter: { limit: 1, windowMs: 60_000 },
      onRejected: (_req, res, decision) => {
        expect(decision.allowed).toBe(false);
        res.status(503).json({ slowDown: true });
      },
    });
    closers.push(middleware.close);
    const url = await start((app) => app.use(middleware));
    const [, rejected] = await getMany(url, 2);
    expect(rejected!.status).toBe(503);
    expect(await rejected!.json()).toEqual({ slowDown: true });
  });

  it('uses a ready limiter, keeps it open, and refuses a failurePolicy beside it', async () => {
    const limiter = createRateLimiter({ name: 'api', limit: 1, windowMs: 60_000 });
    closers.push(() => limiter.close());
    expect(() => expressRateLimit({ limiter, failurePolicy: 'open' })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    const middleware = expressRateLimit({ limiter, key: () => 'everyone' });
    expect(middleware.limiter).toBe(limiter);
    const url = await start((app) => app.use(middleware));
    const [ok] = await getMany(url, 1);
    expect(ok!.headers.get('ratelimit-policy')).toBe('"api";q=1;w=60');
    await middleware.close();
    expect((await limiter.peek('everyone')).allowed).toBe(false);
  });

  it('passes a failing key function to the error handler', async () => {
    const middleware = expressRateLimit({
      limiter: { limit: 1, windowMs: 60_000 },
      key: () => '',
    });
    closers.push(middleware.close);
    const url = await start((app) => {
      app.use(middleware);
      app.use(
        (
          error: Error & { code?: string },
          _req: express.Request,
          res: express.Response,
          _next: express.NextFunction,
        ) => {
          res.status(500).send(error.code);
        },
      );
    });
    const response = await fetch(url);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('CACHESTACK_INVALID_KEY');
  });
});
