import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { keys } from '../src/cache/keys.js';
import { API_KEY, admin, SEED } from './helpers.js';

const ADMIN_ROUTES = [
  ['GET', '/cache/health'],
  ['GET', '/cache/metrics'],
  ['GET', '/cache/config'],
  ['PUT', '/cache/config'],
  ['GET', '/cache/promotion'],
  ['PUT', '/cache/promotion'],
  ['GET', '/cache/status'],
  ['GET', '/cache/dashboard'],
  ['GET', '/cache/warmup'],
  ['POST', '/cache/warmup'],
  ['POST', '/cache/load-test'],
  ['POST', '/cache/consistency'],
] as const;

/** The admin API's behaviour. */
export function adminBehaviour(getApp: () => App): void {
  const inject = (opts: InjectOptions) => getApp().server.inject(opts);

  describe('admin authentication', () => {
    it('answers 401 to every admin route without a key, with a wrong key or a near miss', async () => {
      const wrongKeys = [
        undefined,
        'wrong',
        `${API_KEY}x`,
        API_KEY.slice(0, -1),
        API_KEY.toUpperCase(),
      ];
      for (const [method, url] of ADMIN_ROUTES) {
        for (const key of wrongKeys) {
          const res = await inject({
            method,
            url,
            headers: key === undefined ? {} : { 'x-api-key': key },
            payload: method === 'GET' ? undefined : {},
          });
          expect(res.statusCode, `${method} ${url} with ${String(key)}`).toBe(401);
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
        }
      }
    });

    it('admits the right key', async () => {
      const res = await inject({ method: 'GET', url: '/cache/status', headers: admin });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        database: expect.any(String),
        l1: { entries: expect.any(Number) },
      });
    });
  });

  describe('admin API', () => {
    it('serves Prometheus text with per-namespace request counters', async () => {
      await inject({ method: 'GET', url: '/api/users/1' });
      await inject({ method: 'GET', url: '/api/users/1' });
      const res = await inject({ method: 'GET', url: '/cache/metrics', headers: admin });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toMatch(/# TYPE cachestack_cache_requests_total counter/);
      expect(res.body).toMatch(
        /cachestack_cache_requests_total\{[^}]*cachestack_namespace="users"[^}]*cachestack_tier="l1"[^}]*\} [1-9]/,
      );
      expect(res.body).toMatch(
        /cachestack_example_read_duration[a-z_]*_bucket\{[^}]*le="[0-9.]+"\}/,
      );
      expect(res.body).toMatch(/cachestack_cache_l1_entries\{[^}]*\} [1-9]/);
    });

    it('reports health with score, status, issues and recommendations', async () => {
      const res = await inject({ method: 'GET', url: '/cache/health', headers: admin });
      const health = res.json();
      expect(health.score).toBeGreaterThanOrEqual(0);
      expect(health.score).toBeLessThanOrEqual(100);
      expect(['healthy', 'degraded', 'critical']).toContain(health.status);
      expect(Array.isArray(health.issues)).toBe(true);
      expect(Array.isArray(health.recommendations)).toBe(true);
      expect(health.signals).toHaveProperty('hitRate');
    });

    it('rejects an invalid configuration with its errors and keeps the one in force', async () => {
      const before = (await inject({ method: 'GET', url: '/cache/config', headers: admin })).json();
      const res = await inject({
        method: 'PUT',
        url: '/cache/config',
        headers: admin,
        payload: {
          ...before.input,
          l1: { maxEntries: -5, policy: 'random' },
          defaults: { ttl: 'soon' },
        },
      });
      expect(res.statusCode).toBe(400);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining(['/l1/maxEntries', '/l1/policy', '/defaults/ttl']),
      );
      const after = (await inject({ method: 'GET', url: '/cache/config', headers: admin })).json();
      expect(after.generation).toBe(before.generation);
    });

    it('applies a valid configuration and keeps serving', async () => {
      const current = (
        await inject({ method: 'GET', url: '/cache/config', headers: admin })
      ).json();
      const res = await inject({
        method: 'PUT',
        url: '/cache/config',
        headers: admin,
        payload: {
          ...current.input,
          l1: { maxEntries: 5000, policy: 'lfu' },
          defaults: { ttl: '2m' },
        },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ applied: true, generation: current.generation + 1 });
      const now = (await inject({ method: 'GET', url: '/cache/config', headers: admin })).json();
      expect(now.config.l1).toMatchObject({ maxEntries: 5000, policy: 'lfu' });
      expect(now.config.defaults.ttl).toBe(120_000);
      expect((await inject({ method: 'GET', url: '/api/users/2' })).statusCode).toBe(200);
    });

    it('changes the promotion strategy through /cache/promotion', async () => {
      const bad = await inject({
        method: 'PUT',
        url: '/cache/promotion',
        headers: admin,
        payload: { promotion: { afterHits: 0 } },
      });
      expect(bad.statusCode).toBe(400);
      const res = await inject({
        method: 'PUT',
        url: '/cache/promotion',
        headers: admin,
        payload: { promotion: { afterHits: 2, windowMs: '1m' }, admission: 'tinylfu' },
      });
      expect(res.statusCode).toBe(200);
      const view = (
        await inject({ method: 'GET', url: '/cache/promotion', headers: admin })
      ).json();
      expect(view).toMatchObject({
        promotion: { afterHits: 2, windowMs: 60_000 },
        admission: 'tinylfu',
      });
    });

    it('warms every namespace and reports progress', async () => {
      const res = await inject({
        method: 'POST',
        url: '/cache/warmup',
        headers: admin,
        payload: { wait: true },
      });
      expect(res.statusCode).toBe(200);
      const { warmup } = res.json();
      expect(warmup.state).toBe('done');
      // users + products + 8 category listings + one order list per user
      const total = SEED.users + SEED.products + 8 + SEED.users;
      expect(warmup.progress).toMatchObject({ done: total, total, failed: 0 });
      const view = (await inject({ method: 'GET', url: '/cache/warmup', headers: admin })).json();
      expect(view.warmup.id).toBe(warmup.id);
      const bad = await inject({
        method: 'POST',
        url: '/cache/warmup',
        headers: admin,
        payload: { namespaces: ['x'] },
      });
      expect(bad.statusCode).toBe(400);
    });

    it('runs a bounded load test and refuses one out of bounds', async () => {
      const tooLong = await inject({
        method: 'POST',
        url: '/cache/load-test',
        headers: admin,
        payload: { durationMs: 600_000 },
      });
      expect(tooLong.statusCode).toBe(400);
      const res = await inject({
        method: 'POST',
        url: '/cache/load-test',
        headers: admin,
        payload: { durationMs: 300, concurrency: 4 },
      });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      expect(report.operations).toBeGreaterThan(0);
      expect(report.errors).toBe(0);
      expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    });

    it('finds and repairs a cached value that differs from the database', async () => {
      const users = getApp().runtime.stack.ns.users;
      const real = (await inject({ method: 'GET', url: '/api/users/3' })).json();
      await users.set(keys.user(3), {
        ...real,
        name: 'Tampered',
        updatedAt: new Date(real.updatedAt),
      });
      const found = (
        await inject({
          method: 'POST',
          url: '/cache/consistency',
          headers: admin,
          payload: { sampleSize: 0, repair: true },
        })
      ).json();
      expect(found.mismatches).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: keys.user(3), tier: 'l1', repaired: true }),
        ]),
      );
      const again = (
        await inject({
          method: 'POST',
          url: '/cache/consistency',
          headers: admin,
          payload: { sampleSize: 0 },
        })
      ).json();
      expect(again.mismatches).toEqual([]);
      expect((await inject({ method: 'GET', url: '/api/users/3' })).json().name).toBe(real.name);
    });
  });
}
