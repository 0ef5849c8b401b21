import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { redisBus } from '@cachestack/coherency';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import type { InjectOptions } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../src/app.js';
import { keys } from '../src/cache/keys.js';
import { admin, testApp } from './helpers.js';

// The operations kit (ops/) against what this app really exports: every metric a
// dashboard panel or an alert rule queries must be in `/cache/metrics`, and every alert
// must point at a runbook section that exists.

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const dashboard = JSON.parse(read('ops/grafana/cachestack.json')) as {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
};
const alertRules = read('ops/prometheus/cachestack-alerts.yaml');
const runbook = read('docs/runbook.md');

/**
 * Metric names in PromQL text: label matchers (`{...}`) and label lists (`by (...)`,
 * `on (...)`) are removed first; recording rules are `cachestack:...` and do not match.
 */
function metricNamesIn(promql: string): Set<string> {
  const withoutLabels = promql
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return new Set(withoutLabels.match(/\bcachestack_[a-z0-9_]+/g) ?? []);
}

/** Names a Prometheus scrape of this text yields: histograms as _bucket, _count and _sum. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

const dashboardQueries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const alertBlocks = alertRules.split(/\n\s+- alert: /).slice(1);

describe('operations kit against the example app on Redis', () => {
  const url = redisUrl();
  const prefix = uniquePrefix('example-ops');
  let app: App;
  const inject = (options: InjectOptions) => app.server.inject(options);
  const health = async () =>
    (await inject({ method: 'GET', url: '/cache/health', headers: admin })).json();
  const metricsText = async () =>
    (await inject({ method: 'GET', url: '/cache/metrics', headers: admin })).body;

  beforeAll(async () => {
    app = await testApp({ redisUrl: url, redisPrefix: prefix });
  });
  afterAll(async () => {
    await app?.close();
    const redis = new Redis(url);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.unlink(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('reports a fresh app as healthy, waiting for traffic', async () => {
    const report = await health();
    expect(report.status).toBe('healthy');
    expect(report.summary).toBe('not enough traffic yet');
    expect(report.issues).toEqual([]);
    expect(report.pending[0]).toMatchObject({ signal: 'hitRate', samples: 0, minSamples: 100 });
  });

  it('does not count warmup and consistency-check reads as traffic', async () => {
    const warmup = await inject({
      method: 'POST',
      url: '/cache/warmup',
      headers: admin,
      payload: { wait: true },
    });
    expect(warmup.json().warmup.state).toBe('done');
    const check = await inject({
      method: 'GET',
      url: '/cache/consistency?sampleSize=0',
      headers: admin,
    });
    // hundreds of lookups were made, none of them traffic
    expect(check.json().compared).toBeGreaterThan(100);
    const report = await health();
    expect(report.window.lookups).toBe(0);
    expect(report.status).toBe('healthy');
    expect(report.summary).toBe('not enough traffic yet');
  });

  it('exports every metric the dashboard and the alert rules query', async () => {
    // Traffic that touches each part: reads (misses, loads under a Redis lock, hits),
    // a write (bus publish), a user read served from its legacy key (migration), the rate
    // limiter on every API request, and an invalidation from another instance.
    for (const path of ['/api/products/1', '/api/products/1', '/api/users/1', '/api/users/1']) {
      expect((await inject({ method: 'GET', url: path })).statusCode).toBe(200);
    }
    await inject({ method: 'PUT', url: '/api/users/2', payload: { name: 'Ops 2' } });
    const redis = new Redis(url);
    const otherInstance = redisBus({
      url,
      channel: `${prefix}:${app.runtime.stack.config.coherency.channel}`,
    });
    try {
      await redis.set(
        `${prefix}:legacy:user:30`,
        JSON.stringify({ id: 30, name: 'Legacy 30', email: 'l@example.com', tier: 'free' }),
        'PX',
        60_000,
      );
      await app.runtime.stack.ns.users.delete(keys.user(30));
      expect((await inject({ method: 'GET', url: '/api/users/30' })).json().name).toBe('Legacy 30');
      await otherInstance.ready();
      await otherInstance.publish({ type: 'delete', namespace: 'products', keys: ['x'] });
      await vi.waitFor(
        async () => {
          const text = await metricsText();
          expect(text).toMatch(/cachestack_bus_delivery_lag_seconds_count/);
          expect(text).toMatch(/cachestack_cache_bus_messages_total\{/);
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await otherInstance.close();
      redis.disconnect();
    }

    const exported = exportedNames(await metricsText());
    const queried = new Set([
      ...metricNamesIn(dashboardQueries.join('\n')),
      ...metricNamesIn(alertRules),
    ]);
    expect(queried.size).toBeGreaterThan(15);
    const missing = [...queried].filter((name) => !exported.has(name));
    expect(missing, `queried but not exported: ${missing.join(', ')}`).toEqual([]);
  });

  // CI installs promtool (the Debian prometheus package) before the tests.
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  if (!promtool) console.warn('[example] promtool not on PATH: exposition lint skipped');
  it.skipIf(!promtool)('serves an exposition that passes promtool check metrics', async () => {
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: await metricsText(),
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('dashboard and alert rules', () => {
  it('gives every dashboard panel a query', () => {
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(15);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) {
        expect(metricNamesIn(t.expr).size, panel.title).toBeGreaterThan(0);
      }
    }
  });

  it('gives every alert a severity, a summary and a runbook section that exists', () => {
    const headings = new Set(
      [...runbook.matchAll(/^##+ (.+)$/gm)].map(([, heading]) => anchorOf(heading!)),
    );
    expect(alertBlocks.length).toBe(10);
    for (const block of alertBlocks) {
      const name = block.split('\n')[0]!.trim();
      expect(block, name).toMatch(/\n\s+severity: (critical|warning)\n/);
      expect(block, name).toMatch(/\n\s+summary: "[^"]+"/);
      const anchor = block.match(/runbook_url: \S+\/docs\/runbook\.md#(\S+)/)?.[1];
      expect(anchor, name).toBe(name.toLowerCase());
      expect(headings, `${name}: no runbook section #${anchor}`).toContain(anchor);
    }
  });
});
