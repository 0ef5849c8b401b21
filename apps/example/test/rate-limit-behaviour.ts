import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { admin, testApp } from './helpers.js';

/** Rate limiting of the public API, on a second app sharing the first one's database. */
export function rateLimitBehaviour(getApp: () => App): void {
  describe('rate limiting of the public API', () => {
    let limited: App;
    beforeAll(async () => {
      limited = await testApp({
        database: getApp().db,
        config: { rateLimits: { api: { algorithm: 'fixed-window', limit: 3, windowMs: '1m' } } },
      });
    });
    afterAll(async () => {
      await limited?.close();
    });

    it('sends IETF RateLimit headers, then 429 with Retry-After past the limit', async () => {
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await limited.server.inject({ method: 'GET', url: '/api/users/1' }));
      }
      expect(answers.slice(0, 3).map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(answers[0]!.headers['ratelimit-policy']).toBe('"api";q=3;w=60');
      expect(answers[0]!.headers.ratelimit).toMatch(/^"api";r=2;t=\d+$/);
      expect(answers[2]!.headers.ratelimit).toMatch(/^"api";r=0;t=\d+$/);
      const rejected = answers[3]!;
      expect(rejected.statusCode).toBe(429);
      expect(Number(rejected.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(rejected.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(rejected.headers['ratelimit-policy']).toBe('"api";q=3;w=60');
    });

    it('does not limit the admin API and reports the limiter as active', async () => {
      const status = await limited.server.inject({
        method: 'GET',
        url: '/cache/status',
        headers: admin,
      });
      expect(status.statusCode).toBe(200);
      expect(status.headers.ratelimit).toBeUndefined();
      expect(status.json().rateLimit).toMatchObject({ state: 'active' });
    });
  });
}
