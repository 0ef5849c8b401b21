import { channel } from 'node:diagnostics_channel';
import { ClosedError, createCache, InvalidOptionError } from '@cachestack/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createHealthMonitor,
  type HealthMonitorOptions,
  type MemoryPressure,
  type SlowOperation,
} from '../src/index.js';
import { clock, setup } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const lowHeap = () => ({ usedBytes: 100, limitBytes: 1000 });

function monitored(options: HealthMonitorOptions = {}) {
  const s = setup();
  const monitor = createHealthMonitor(s.cache, {
    now: s.clock.now,
    readHeap: lowHeap,
    syncIntervalMs: 0, // no real timer: counts move into slices at check/trends/L2 calls
    ...options,
  });
  cleanups.push(
    () => s.cache.close(),
    () => monitor.close(),
  );
  return { ...s, monitor };
}

describe('createHealthMonitor', () => {
  it('scores a healthy cache 100', async () => {
    const { cache, monitor } = monitored();
    await cache.set('hot', 1);
    for (let i = 0; i < 100; i++) await cache.get('hot');
    const r = monitor.check();
    expect(r).toMatchObject({ score: 100, status: 'healthy', issues: [], summary: 'healthy' });
    expect(r.signals.hitRate.value).toBe(1);
  });

  it('scores an L2 outage 60, degraded, with critical circuit and L2 error issues', async () => {
    const { cache, store, monitor } = monitored({ thresholds: { minSamples: 1 } });
    await cache.set('hot', 1); // one successful L2 call
    for (let i = 0; i < 30; i++) await cache.get('hot');
    store.fail();
    for (let i = 0; i < 5; i++) await cache.get(`missing${i}`); // 3 failures, then the circuit opens
    const r = monitor.check();
    expect(r.signals.l2ErrorRate.value).toBe(0.75);
    expect(r.signals.circuit.value).toBe('open');
    expect(r.score).toBe(60);
    expect(r.status).toBe('degraded');
    expect(r.issues.map((i) => [i.signal, i.severity])).toEqual([
      ['l2ErrorRate', 'critical'],
      ['circuit', 'critical'],
    ]);
  });

  it('scores a low hit rate 75 and degraded', async () => {
    const cache = createCache({ l1: { maxEntries: 100 } });
    const c = clock();
    const monitor = createHealthMonitor(cache, { now: c.now, readHeap: lowHeap });
    cleanups.push(
      () => cache.close(),
      () => monitor.close(),
    );
    await cache.set('hot', 1);
    for (let i = 0; i < 25; i++) await cache.get('hot');
    for (let i = 0; i < 75; i++) await cache.get(`cold${i}`);
    const r = monitor.check();
    expect(r.signals.hitRate.value).toBe(0.25);
    expect(r).toMatchObject({ score: 75, status: 'degraded' });
    expect(r.issues).toEqual([
      expect.objectContaining({ signal: 'hitRate', severity: 'critical' }),
    ]);
  });

  it('scores high latency 85 and degraded, and reports each slow operation', () => {
    const warnings: unknown[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (obj: unknown) => warnings.push(obj),
      error() {},
      child() {
        return logger;
      },
    };
    const { monitor } = monitored({ logger });
    const slow: SlowOperation[] = [];
    monitor.on('slow', (op) => slow.push(op));
    for (let i = 0; i < 20; i++) monitor.recordLatency(300, 'GET /users');
    monitor.recordLatency(20, 'GET /users');
    const r = monitor.check();
    expect(r.signals.latency.value).toBeGreaterThanOrEqual(300);
    expect(r).toMatchObject({ score: 85, status: 'degraded' });
    expect(slow).toHaveLength(20);
    expect(slow[0]).toEqual({
      kind: 'operation',
      operation: 'GET /users',
      durationMs: 300,
      thresholdMs: 100,
    });
    expect(warnings).toHaveLength(20);
  });

  it('reports a loader slower than slowLoaderMs', async () => {
    const { cache, monitor } = monitored({ slowLoaderMs: 0 });
    const slow: SlowOperation[] = [];
    monitor.on('slow', (op) => slow.push(op));
    await cache.getOrSet('k', async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return 1;
    });
    expect(slow).toEqual([
      expect.objectContaining({ kind: 'loader', namespace: 'default', key: 'k', thresholdMs: 0 }),
    ]);
  });

  it('signals memory pressure once per cooldown and asks the application to shrink L1', async () => {
    let heap = { usedBytes: 950, limitBytes: 1000 };
    const calls: MemoryPressure[] = [];
    const {
      cache,
      monitor,
      clock: c,
    } = monitored({
      readHeap: () => heap,
      onMemoryPressure: (p) => calls.push(p),
      memoryPressureCooldownMs: 30_000,
    });
    await cache.set('a', 1);
    const r = monitor.check();
    expect(r.signals.memory.value).toBe(0.95);
    expect(r).toMatchObject({ score: 90, status: 'degraded' });
    expect(calls).toEqual([
      {
        usedBytes: 950,
        limitBytes: 1000,
        ratio: 0.95,
        level: 'critical',
        l1Entries: 1,
        l1Bytes: 0,
      },
    ]);
    monitor.check();
    expect(calls).toHaveLength(1);
    c.advance(30_000);
    heap = { usedBytes: 750, limitBytes: 1000 };
    monitor.check();
    expect(calls.map((p) => p.level)).toEqual(['critical', 'warning']);
    c.advance(30_000);
    heap = { usedBytes: 500, limitBytes: 1000 };
    monitor.check();
    expect(calls).toHaveLength(2);
  });

  it('emits status changes', async () => {
    const { cache, monitor } = monitored({ thresholds: { minSamples: 1, minLookups: 1 } });
    const seen: string[] = [];
    monitor.on('status', (e) => seen.push(`${e.from}->${e.to}`));
    await cache.set('a', 1);
    await cache.get('a');
    monitor.check();
    await cache.get('zz');
    await cache.get('zy');
    monitor.check(); // hit rate 1/3: critical
    monitor.check();
    expect(seen).toEqual(['undefined->healthy', 'healthy->degraded']);
  });

  it('reports a falling hit rate and rising latency over a rolling window', async () => {
    const { cache, monitor, clock: c } = monitored();
    await cache.set('hot', 1);
    for (let i = 0; i < 90; i++) await cache.get('hot');
    for (let i = 0; i < 10; i++) await cache.get(`cold${i}`);
    for (let i = 0; i < 20; i++) monitor.recordLatency(10);
    c.advance(5 * 60_000);
    await cache.set('hot', 1);
    for (let i = 0; i < 50; i++) await cache.get('hot');
    for (let i = 0; i < 50; i++) await cache.get(`cold${i}`);
    for (let i = 0; i < 20; i++) monitor.recordLatency(40);

    const t = monitor.trends(10);
    expect(t.hitRate).toEqual({ direction: 'down', from: 0.9, to: 0.5, samples: [100, 100] });
    expect(t.latency.direction).toBe('up');
    expect(t.latency.toP95Ms).toBeGreaterThan(t.latency.fromP95Ms ?? Infinity);
    // the last 4 minutes only hold the second phase: no earlier data, so flat
    expect(monitor.trends(4).hitRate.direction).toBe('flat');
    // the health window (5 min) no longer holds the first phase
    expect(monitor.check().signals.hitRate.value).toBe(0.5);
  });

  it('reports a rising hit rate and a flat one', async () => {
    const { cache, monitor, clock: c } = monitored();
    await cache.set('hot', 1, { ttl: '1h' });
    for (let i = 0; i < 50; i++) await cache.get('hot');
    for (let i = 0; i < 50; i++) await cache.get(`cold${i}`);
    monitor.check(); // a health poll moves the counted lookups into the current slice
    c.advance(60_000);
    for (let i = 0; i < 80; i++) await cache.get('hot');
    for (let i = 0; i < 20; i++) await cache.get(`cold${i}`);
    expect(monitor.trends(2).hitRate.direction).toBe('up');
    c.advance(60_000);
    for (let i = 0; i < 80; i++) await cache.get('hot');
    for (let i = 0; i < 20; i++) await cache.get(`cold${i}`);
    expect(monitor.trends(2).hitRate.direction).toBe('flat');
  });

  it('attributes lookups counted between syncs to the slice of the next sync', async () => {
    const { cache, monitor, clock: c } = monitored();
    await cache.set('hot', 1, { ttl: '1h' });
    for (let i = 0; i < 100; i++) await cache.get('hot');
    c.advance(10 * 60_000); // no sync since: the lookups are attributed to now
    expect(monitor.check().signals.hitRate.value).toBe(1);
    c.advance(10 * 60_000);
    expect(monitor.check().signals.hitRate.value).toBeUndefined();
  });

  it('runs check() on its interval and stops when closed', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const heap = { usedBytes: 950, limitBytes: 1000 };
    const pressure: MemoryPressure[] = [];
    const { monitor } = monitored({
      intervalMs: 1000,
      readHeap: () => heap,
      memoryPressureCooldownMs: 0,
      onMemoryPressure: (p) => pressure.push(p),
    });
    vi.advanceTimersByTime(3000);
    expect(pressure).toHaveLength(3);
    monitor.close();
    vi.advanceTimersByTime(3000);
    expect(pressure).toHaveLength(3);
  });

  it('rejects invalid options with InvalidOptionError', () => {
    const { cache } = setup();
    cleanups.push(() => cache.close());
    const bad: HealthMonitorOptions[] = [
      { thresholds: { hitRateWarn: 0.4 } },
      { thresholds: { l2ErrorRateWarn: 2 } },
      { thresholds: { nope: 1 } as never },
      { weights: { hitRate: -1 } },
      { weights: { hitRate: 0, l2ErrorRate: 0, circuit: 0, latency: 0, memory: 0, busLag: 0 } },
      { windowMs: Number.NaN },
      { windowMs: 1000, sliceMs: 10_000 },
      { readHeap: 'v8' as never },
      { now: 5 as never },
    ];
    for (const options of bad) {
      expect(() => createHealthMonitor(cache, options), JSON.stringify(options)).toThrow(
        InvalidOptionError,
      );
    }
  });

  it('rejects trends over less than two slices or more than the history', () => {
    const { monitor } = monitored({ sliceMs: 60_000, historyMs: 3_600_000 });
    expect(() => monitor.trends(1)).toThrow(InvalidOptionError);
    expect(() => monitor.trends(61)).toThrow(InvalidOptionError);
    expect(monitor.trends(60).minutes).toBe(60);
  });

  it('unsubscribes on close and throws ClosedError afterwards', () => {
    const { monitor } = monitored();
    expect(channel('cachestack:core:l2').hasSubscribers).toBe(true);
    monitor.close();
    monitor.close();
    expect(channel('cachestack:core:l2').hasSubscribers).toBe(false);
    expect(() => monitor.check()).toThrow(ClosedError);
    expect(() => monitor.trends(5)).toThrow(ClosedError);
  });
});
