import { afterEach, describe, expect, it } from 'vitest';
import { createHealthMonitor, type HealthMonitorOptions } from '../src/index.js';
import { setup } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function monitored(options: HealthMonitorOptions = {}) {
  const s = setup();
  const monitor = createHealthMonitor(s.cache, {
    now: s.clock.now,
    readHeap: () => ({ usedBytes: 100, limitBytes: 1000 }),
    syncIntervalMs: 0,
    windowMs: 60_000,
    sliceMs: 5_000,
    ...options,
  });
  cleanups.push(
    () => s.cache.close(),
    () => monitor.close(),
  );
  return { ...s, monitor };
}

/** `n` lookups of keys nobody wrote: all misses. */
async function misses(cache: ReturnType<typeof setup>['cache'], n: number, label = 'cold') {
  for (let i = 0; i < n; i++) await cache.get(`${label}${i}`);
}

describe('health verdicts need traffic', () => {
  it('reports a fresh cache as healthy with "not enough traffic yet"', () => {
    const { monitor } = monitored();
    const r = monitor.check();
    expect(r).toMatchObject({ score: 100, status: 'healthy', issues: [] });
    expect(r.summary).toBe('not enough traffic yet');
    expect(r.pending).toEqual([
      expect.objectContaining({ signal: 'hitRate', samples: 0, minSamples: 100, windowMs: 60_000 }),
    ]);
    expect(r.pending[0]?.message).toBe(
      'hit rate: not enough traffic yet (0 of 100 lookups in the last 1 min)',
    );
  });

  it('gives no hit-rate verdict below minLookups, however bad the few lookups were', async () => {
    const { cache, monitor } = monitored();
    await misses(cache, 99);
    const r = monitor.check();
    expect(r.signals.hitRate.value).toBeUndefined();
    expect(r.status).toBe('healthy');
    expect(r.summary).toBe('not enough traffic yet');
    await misses(cache, 1, 'last');
    const after = monitor.check();
    expect(after.signals.hitRate.value).toBe(0);
    expect(after.status).toBe('degraded');
  });

  it('takes minLookups from the thresholds', async () => {
    const { cache, monitor } = monitored({ thresholds: { minLookups: 10 } });
    await misses(cache, 10);
    expect(monitor.check().signals.hitRate.value).toBe(0);
  });

  it('says in each issue over what window and how many lookups it was measured', async () => {
    const { cache, monitor } = monitored();
    await cache.set('hot', 1);
    for (let i = 0; i < 40; i++) await cache.get('hot');
    await misses(cache, 80);
    const r = monitor.check();
    const issue = r.issues.find((i) => i.signal === 'hitRate');
    expect(issue).toMatchObject({ windowMs: 60_000, samples: 120, severity: 'critical' });
    expect(issue?.message).toBe('hit rate 33.3% over the last 1 min (120 lookups) is below 80.0%');
    expect(r.window).toMatchObject({ windowMs: 60_000, lookups: 120 });
    expect(r.summary).toBe(`degraded: ${issue?.message}`);
  });

  it('forgets lookups once they leave the window', async () => {
    const { cache, monitor, clock } = monitored();
    await misses(cache, 150);
    expect(monitor.check().status).toBe('degraded');
    clock.advance(65_000);
    const r = monitor.check();
    expect(r.window?.lookups).toBe(0);
    expect(r.summary).toBe('not enough traffic yet');
  });
});

describe('untracked reads', () => {
  it('does not count the lookups of a warmup or consistency check as traffic', async () => {
    const { cache, monitor } = monitored();
    await cache.set('hot', 1);
    for (let i = 0; i < 120; i++) await cache.get('hot');
    const result = await monitor.untracked(async () => {
      await misses(cache, 500, 'warm');
      return 'done';
    });
    expect(result).toBe('done');
    const r = monitor.check();
    expect(r.window?.lookups).toBe(120);
    expect(r.signals.hitRate.value).toBe(1);
    expect(r.status).toBe('healthy');
    expect(r.summary).toBe('healthy');
  });

  it('leaves out the L2 calls of an untracked run, failed ones included', async () => {
    const { cache, store, monitor } = monitored({ thresholds: { minSamples: 1 } });
    store.fail();
    await monitor.untracked(() => misses(cache, 2, 'broken'));
    const r = monitor.check();
    expect(r.window?.l2Calls).toBe(0);
    expect(r.signals.l2ErrorRate.value).toBeUndefined();
    await misses(cache, 1, 'live');
    expect(monitor.check().signals.l2ErrorRate.value).toBe(1);
  });

  it('counts lookups again once the run settles, even when it fails', async () => {
    const { cache, monitor } = monitored();
    await expect(
      monitor.untracked(async () => {
        await misses(cache, 50, 'check');
        throw new Error('checker failed');
      }),
    ).rejects.toThrow('checker failed');
    await misses(cache, 100);
    expect(monitor.check().window?.lookups).toBe(100);
  });

  it('keeps nested and overlapping runs untracked until the last one settles', async () => {
    const { cache, monitor } = monitored();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const outer = monitor.untracked(() => gate);
    await monitor.untracked(() => misses(cache, 30, 'inner'));
    await misses(cache, 30, 'between');
    release();
    await outer;
    await misses(cache, 7, 'after');
    expect(monitor.check().window?.lookups).toBe(7);
  });
});
