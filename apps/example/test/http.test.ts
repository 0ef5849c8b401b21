import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { API_KEY, testApp } from './helpers.js';

// Real requests over loopback (fetch against a listening server), not inject: the
// parsers, content-type handling and body limits are those a client meets.
let app: App;
let base: string;
const logs: { level: number; msg: string; status?: number }[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  app = await testApp({
    logger: pino({ level: 'info' }, sink),
    config: { rateLimits: { api: { algorithm: 'sliding-window', limit: 20, windowMs: '1m' } } },
  });
  const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
  base = address;
});

afterAll(async () => {
  await app?.close();
});

const admin = { 'x-api-key': API_KEY };
const json = { 'content-type': 'application/json' };

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(res.status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

const errorLines = () => logs.filter((l) => l.level >= 50);

/** The request since `before` logged exactly one info line about its client error. */
function expectOneClientErrorLine(before: number, status: number) {
  const since = logs.slice(before);
  expect(since.filter((l) => l.msg.startsWith('client error'))).toEqual([
    expect.objectContaining({ level: 30, status }),
  ]);
  expect(since.filter((l) => l.level >= 40)).toEqual([]);
}

describe('client errors keep their status and say what to fix', () => {
  it('malformed JSON is a 400 problem, not an internal error, logged once at info', async () => {
    const before = errorLines().length;
    const logged = logs.length;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, ...json },
      body: '{"l1": {',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).detail).toMatch(/malformed JSON/);
    expect(errorLines().length).toBe(before);
    expectOneClientErrorLine(logged, 400);
  });

  it('a body without a content type is a 415 problem, logged once at info', async () => {
    const logged = logs.length;
    const res = await fetch(`${base}/cache/warmup`, {
      method: 'POST',
      headers: admin,
      body: new TextEncoder().encode('{"wait":true}'),
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).detail).toMatch(/application\/json/);
    expectOneClientErrorLine(logged, 415);
  });

  it('a text/plain body is a 415 problem: only JSON and JSON merge patch are accepted', async () => {
    const logged = logs.length;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: '{"l1": {"maxEntries": 5}}',
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).detail).toMatch(/application\/json/);
    expectOneClientErrorLine(logged, 415);
    // The public API too (its scope logs the client error at info like the admin one).
    const apiLogged = logs.length;
    const api = await fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '{"userId":1,"productId":1,"quantity":1}',
    });
    expect(api.status).toBe(415);
    await problem(api);
    expectOneClientErrorLine(apiLogged, 415);
  });

  it('a 3 MB body is a 413 problem, logged once at info', async () => {
    const before = errorLines().length;
    const logged = logs.length;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, ...json },
      body: JSON.stringify({ padding: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    await problem(res);
    expect(errorLines().length).toBe(before);
    expectOneClientErrorLine(logged, 413);
  });

  it('an unknown field is refused by name, never dropped', async () => {
    const res = await fetch(`${base}/api/users/4`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ name: 'Mallory', admin: true }),
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.unknownFields).toEqual(['body/admin']);
    expect(body.detail).toContain('body/admin');
    const user = await (await fetch(`${base}/api/users/4`)).json();
    expect(user.name).not.toBe('Mallory');
  });

  it('a number sent as a string is not coerced', async () => {
    const res = await fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userId: 1, productId: 1, quantity: '2' }),
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.errors).toEqual([{ path: 'body/quantity', message: 'must be integer' }]);
  });

  it('an unknown admin field and an unknown route are problems too', async () => {
    const bad = await fetch(`${base}/cache/load-test`, {
      method: 'POST',
      headers: { ...admin, ...json },
      body: JSON.stringify({ durationMs: 300, threads: 4 }),
    });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).unknownFields).toEqual(['body/threads']);
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    await problem(missing);
  });

  it('logs none of these at error level', () => {
    expect(errorLines()).toEqual([]);
  });
});

describe('PUT and PATCH /cache/config', () => {
  const get = async () => (await fetch(`${base}/cache/config`, { headers: admin })).json();

  it('PUT {} is refused with what is missing, and nothing changes', async () => {
    const before = await get();
    const res = await fetch(`${base}/cache/config`, {
      method: 'PUT',
      headers: { ...admin, ...json },
      body: '{}',
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.missing).toEqual(
      expect.arrayContaining(['/l1', '/defaults', '/namespaces/users', '/rateLimits/api']),
    );
    const after = await get();
    expect(after.generation).toBe(before.generation);
    expect(after.input).toEqual(before.input);
  });

  it('PATCH merges, validates first, and reports the applied changes', async () => {
    const before = await get();
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ namespaces: { orders: { ttl: '2m' } }, defaults: { grace: null } }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.applied).toBe(true);
    expect(body.generation).toBe(before.generation + 1);
    expect(body.changes).toEqual([
      { op: 'remove', path: '/defaults/grace', from: before.input.defaults.grace },
      {
        op: 'replace',
        path: '/namespaces/orders/ttl',
        from: before.input.namespaces.orders.ttl,
        to: '2m',
      },
    ]);
    const after = await get();
    expect(after.input.namespaces.users).toEqual(before.input.namespaces.users);
    expect(after.config.namespaces.orders.defaults.ttl).toBe(120_000);

    const invalid = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, ...json },
      body: JSON.stringify({ namespaces: { orders: { ttl: 'soon' } } }),
    });
    expect(invalid.status).toBe(400);
    await problem(invalid);
    expect((await get()).generation).toBe(after.generation);
  });

  it('PUT of a complete document replaces it and reports the diff', async () => {
    const current = await get();
    const next = structuredClone(current.input);
    next.l1.maxEntries = 12_345;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PUT',
      headers: { ...admin, ...json },
      body: JSON.stringify(next),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.changes).toEqual([
      { op: 'replace', path: '/l1/maxEntries', from: current.input.l1.maxEntries, to: 12_345 },
    ]);
    expect((await get()).config.l1.maxEntries).toBe(12_345);
  });
  it('a rateLimits change is stored but reported as pending a restart, not as in force', async () => {
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ rateLimits: { api: { limit: 25 } } }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.changes).toEqual([
      { op: 'replace', path: '/rateLimits/api/limit', from: 20, to: 25 },
    ]);
    expect(body.pendingRestart).toEqual(['/rateLimits/api/limit']);
    expect(body.warnings).toContainEqual({
      path: '/rateLimits',
      message: expect.stringMatching(/on restart/),
      value: ['/rateLimits/api/limit'],
    });
    // The limiter in force still has the rule it started with.
    const status = await (await fetch(`${base}/cache/status`, { headers: admin })).json();
    expect(status.rateLimit.detail).toMatch(/ 20 per 60000 ms/);
  });

  it('a change that leaves rateLimits alone has no pending restart', async () => {
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ namespaces: { orders: { ttl: '3m' } } }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.applied).toBe(true);
    expect(body.pendingRestart).toBeUndefined();
    expect(body.warnings).not.toContainEqual(expect.objectContaining({ path: '/rateLimits' }));
  });
});

describe('rate-limit headers over HTTP', () => {
  it('t never exceeds the advertised w and equals Retry-After on the 429', async () => {
    const answers: Response[] = [];
    // Earlier tests of this file spent part of the 20 per minute: go on until the 429.
    for (let i = 0; i < 25 && answers.at(-1)?.status !== 429; i++) {
      answers.push(await fetch(`${base}/api/products/1`));
    }
    expect(answers.at(-1)!.status).toBe(429);
    expect(answers.length).toBeGreaterThan(1);
    for (const res of answers) {
      // The sliding-window counter's horizon: the window plus one request's share of it
      // (60 s + 60 s / 20), since a rejection right after a window edge waits that long.
      expect(res.headers.get('ratelimit-policy')).toBe('"api";q=20;w=63');
      const t = Number(/;t=(\d+)/.exec(res.headers.get('ratelimit') ?? '')![1]);
      expect(t).toBeLessThanOrEqual(63);
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).toBe(String(t));
        expect((await problem(res)).retryAfterSeconds).toBe(t);
      } else {
        expect(res.status).toBe(200);
        expect(res.headers.get('retry-after')).toBeNull();
      }
    }
  });
});
