import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type Express from 'express';
import type Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { expressRateLimit } from '../../src/http/express.js';
import { fastifyRateLimit } from '../../src/http/fastify.js';
import { getMany, listen } from './serve.js';

// The oldest majors the peer ranges accept (express 4, fastify 4), installed under aliases.
const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof Express;
const fastify4 = require('fastify4') as typeof Fastify;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('the oldest supported framework majors', () => {
  it('express 4: limits, headers and the problem body', async () => {
    expect((require('express4/package.json') as { version: string }).version).toMatch(/^4\./);
    const middleware = expressRateLimit({ limiter: { limit: 1, windowMs: 60_000 } });
    const app = express4();
    app.use(middleware);
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const server = await listen(createServer(app));
    closers.push(middleware.close, server.close);
    const [ok, rejected] = await getMany(server.url, 2);
    expect(ok!.status).toBe(200);
    expect(ok!.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    expect(rejected!.status).toBe(429);
    expect(rejected!.headers.get('content-type')).toBe('application/problem+json');
    expect(await rejected!.json()).toMatchObject({ status: 429 });
  });

  it('fastify 4: global limit and a route exempted by its config', async () => {
    expect((require('fastify4/package.json') as { version: string }).version).toMatch(/^4\./);
    const app = fastify4();
    await app.register(fastifyRateLimit, { limiter: { limit: 1, windowMs: 60_000 } });
    app.get('/', async () => 'ok');
    app.get('/health', { config: { rateLimit: false } }, async () => 'up');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    expect((await getMany(url, 2)).map((r) => r.status)).toEqual([200, 429]);
    expect((await getMany(`${url}/health`, 2)).map((r) => r.status)).toEqual([200, 200]);
  });
});
