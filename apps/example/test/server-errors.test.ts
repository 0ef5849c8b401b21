import type { Logger } from '@cachestack/core';
import { StoreError } from '@cachestack/core';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProblemErrorHandler } from '../src/http/problem.js';
import { outageLogger } from '../src/logging/outage-logger.js';

const lines: { level: string; msg: string }[] = [];
const record = (level: string) => (obj: object | string, msg?: string) =>
  lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? '') });
const sink: Logger = {
  debug: record('debug'),
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
  child: () => sink,
};
const server = Fastify();
let base: string;

beforeAll(async () => {
  server.setErrorHandler(createProblemErrorHandler(outageLogger(sink)));
  server.get('/store-down', async () => {
    throw new StoreError('redis is down');
  });
  server.get('/bug', async () => {
    throw new TypeError('undefined is not a function');
  });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server.close();
});

describe('server errors over loopback', () => {
  it('answers 503 with Retry-After when a backing store is down, and logs an outage once', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/store-down`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(await res.json())).not.toContain('redis is down');
    }
    expect(lines.filter((l) => l.msg.startsWith('request failed: CACHESTACK_STORE'))).toEqual([
      { level: 'error', msg: 'request failed: CACHESTACK_STORE' },
    ]);
  });

  it('answers 500 without internals to an unexpected failure, logged at error', async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(JSON.stringify(body)).not.toContain('undefined is not a function');
    expect(lines).toContainEqual({ level: 'error', msg: 'request failed: TypeError' });
  });
});
