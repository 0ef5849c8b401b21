import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { API_KEY, testApp } from './helpers.js';

// Real requests over loopback (fetch against a listening server), not inject: the
// parsers, content-type handling and body limits are those a client meets.
let app: App;
let base: string;
const logs: { level: number; msg: string }[] = [];

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

describe('client errors keep their status and say what to fix', () => {
  it('malformed JSON is a 400 problem, not an internal error', async () => {
    const before = errorLines().length;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, ...json },
      body: '{"l1": {',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).detail).toMatch(/malformed JSON/);
    expect(errorLines().length).toBe(before);
  });

  it('a body without a content type is a 415 problem', async () => {
    const res = await fetch(`${base}/cache/warmup`, {
      method: 'POST',
      headers: admin,
      body: new TextEncoder().encode('{"wait":true}'),
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).detail).toMatch(/application\/json/);
  });

  it('a 3 MB body is a 413 problem', async () => {
    const before = errorLines().length;
    const res = await fetch(`${base}/cache/config`, {
      method: 'PATCH',
      headers: { ...admin, ...json },
      body: JSON.stringify({ padding: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    await problem(res);
    expect(errorLines().length).toBe(before);
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
});

describe('rate-limit headers over HTTP', () => {
  it('t never exceeds the window and equals Retry-After on the 429', async () => {
    const answers: Response[] = [];
    const sentAt: number[] = [];
    // Earlier tests of this file spent part of the 20 per minute: go on until the 429.
    for (let i = 0; i < 25 && answers.at(-1)?.status !== 429; i++) {
      sentAt.push(Date.now());
      answers.push(await fetch(`${base}/api/products/1`));
    }
    expect(answers.at(-1)!.status).toBe(429);
    expect(answers.length).toBeGreaterThan(1);
    for (const [i, res] of answers.entries()) {
      expect(res.headers.get('ratelimit-policy')).toBe('"api";q=20;w=60');
      const t = Number(/;t=(\d+)/.exec(res.headers.get('ratelimit') ?? '')![1]);
      if (res.status === 429) {
        // The sliding-window counter assumes a window's units were spread evenly over it, so
        // a rejection in the first w/q = 3 s of a window may wait up to 3 s past the window
        // (documented on RuleDecision.resetMs); any other answer stays within the window.
        const atWindowStart = sentAt[i]! % 60_000 < 3_000 || Date.now() % 60_000 < 3_000;
        expect(t).toBeLessThanOrEqual(atWindowStart ? 63 : 60);
        expect(res.headers.get('retry-after')).toBe(String(t));
        expect((await problem(res)).retryAfterSeconds).toBe(t);
      } else {
        expect(t).toBeLessThanOrEqual(60);
        expect(res.status).toBe(200);
      }
    }
  });
});
