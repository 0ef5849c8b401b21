import { channel } from 'node:diagnostics_channel';
import { createCache, createMemoryBusHub } from '@cachestack/core';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  channelNames as c,
  durationBucketsSeconds,
  instrument,
  instrumentChannels,
  legacyMetricNames,
  metricNames as m,
} from '../src/index.js';
import { otel, setup } from './helpers.js';

const publish = (name: string, message: unknown) => channel(name).publish(message);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A cache with L2 and every channel instrumented on one meter. */
function everything(options: { legacyNames?: boolean } = {}) {
  const o = otel();
  const s = setup();
  const hub = createMemoryBusHub();
  const bus = hub.createBus();
  const handles = [
    instrument(s.cache, { meter: o.meter, bus, ...options }),
    instrumentChannels({ meter: o.meter, ...options }),
  ];
  cleanups.push(
    () => o.shutdown(),
    () => s.cache.close(),
    () => {
      for (const h of handles) h.close();
    },
  );
  return { ...o, ...s, bus };
}

/** One message on every channel the package consumes, shaped as the publishers send them. */
function publishOneOfEach(): void {
  const encode = { algorithm: 'gzip', bytesIn: 1000, bytesOut: 300, durationMs: 0.4 };
  publish(c.compressionEncode, encode);
  publish(c.compressionDecode, { algorithm: 'gzip', durationMs: 0.2 });
  publish(c.compressionSkip, { reason: 'threshold' });
  publish(c.compressionError, {});
  publish(c.lockAcquire, { kind: 'redis', waitMs: 12 });
  publish(c.lockTimeout, { kind: 'redis', waitMs: 500 });
  publish(c.lockRelease, { kind: 'redis', heldMs: 30 });
  publish(c.lockLost, { kind: 'redis' });
  publish(c.busPublish, { type: 'delete' });
  publish(c.busReceive, { type: 'delete', lagMs: 2 });
  publish(c.busGap, { missing: 1 });
  publish(c.busState, { state: 'connected' });
  publish(c.rateLimitDecision, { decision: { allowed: true, source: 'store' } });
  publish(c.rateLimitFallback, { policy: 'open' });
  publish(c.rateLimitStoreError, {});
  publish(c.rateLimitCircuit, { state: 'open' });
  publish(c.migrateFallback, { key: 'k', legacyKey: 'old:k' });
  publish(c.migrateBackfill, { key: 'k', legacyKey: 'old:k', ttlMs: 1000 });
  publish(c.migrateLegacyError, { key: 'k', legacyKey: 'old:k', operation: 'get' });
}

describe('metric names and units', () => {
  it('gives every instrument a description and a unit, and durations a _seconds name', async () => {
    const { cache, store, collect } = everything();
    await cache.getOrSet('a', async () => 1);
    await cache.get('a');
    await cache.set('b', 2, { skipL1: true });
    store.corrupt(1);
    await cache.get('b');
    publishOneOfEach();
    const metrics = await collect();
    const names = new Set(metrics.map((md) => md.descriptor.name));
    // Everything but what needs a second instance, an eviction or a race was produced above.
    const notProduced: string[] = [
      m.circuitTransitions,
      m.evictions,
      m.busMessages,
      m.fencedWrites,
    ];
    for (const name of Object.values(m)) {
      if (!notProduced.includes(name)) expect(names, name).toContain(name);
    }
    for (const md of metrics) {
      expect(md.descriptor.description, md.descriptor.name).not.toBe('');
      expect(md.descriptor.unit, md.descriptor.name).not.toBe('');
      const isDuration = /duration|lag/.test(md.descriptor.name);
      expect(md.descriptor.name.endsWith('_seconds'), md.descriptor.name).toBe(isDuration);
      if (isDuration) expect(md.descriptor.unit).toBe('s');
    }
    expect(names).not.toContain(legacyMetricNames.l2Duration);
  });

  it('records durations in seconds into buckets from 100 µs to 10 s', async () => {
    const { points } = everything();
    publish(c.lockAcquire, { kind: 'redis', waitMs: 12 });
    const [point] = await points(m.lockWait);
    const h = point!.value as Histogram;
    expect(h.sum).toBeCloseTo(0.012);
    expect(h.buckets.boundaries).toEqual(durationBucketsSeconds);
    // 12 ms falls into the (10 ms, 25 ms] bucket
    const index = h.buckets.boundaries.indexOf(0.025);
    expect(h.buckets.counts[index]).toBe(1);
  });

  it('keeps the deprecated millisecond histograms under their old names only with legacyNames', async () => {
    const { histogram, cache } = everything({ legacyNames: true });
    publish(c.lockAcquire, { kind: 'redis', waitMs: 12 });
    publish(c.busReceive, { lagMs: 4 });
    await cache.set('a', 1, { skipL1: true });
    expect(await histogram(legacyMetricNames.lockWait)).toEqual({ count: 1, sum: 12 });
    expect((await histogram(m.lockWait)).sum).toBeCloseTo(0.012);
    expect(await histogram(legacyMetricNames.busLag)).toEqual({ count: 1, sum: 4 });
    expect((await histogram(legacyMetricNames.l2Duration)).count).toBe(1);
    expect((await histogram(m.l2Duration)).count).toBe(1);
  });
});

describe('counters that start at 0', () => {
  it('exports the L2 error and corruption counters at 0 for a cache with L2', async () => {
    const { value } = everything();
    expect(await value(m.l2Errors)).toBe(0);
    expect(await value(m.corruptEntries)).toBe(0);
  });

  it('exports no L2 error counter for a cache without L2', async () => {
    const o = otel();
    const cache = createCache({});
    const handle = instrument(cache, { meter: o.meter });
    cleanups.push(
      () => o.shutdown(),
      () => cache.close(),
      () => handle.close(),
    );
    expect(await o.value(m.l2Errors)).toBeUndefined();
  });

  it('starts the bus gap counter at 0 with the first bus message', async () => {
    const { value } = everything();
    expect(await value(m.busGaps)).toBeUndefined();
    publish(c.busPublish, { type: 'delete' });
    expect(await value(m.busGaps)).toBe(0);
    publish(c.busGap, { missing: 3 });
    expect(await value(m.busGaps)).toBe(3);
  });

  it('starts the rate-limit fallback and store-error counters at 0 with the first decision', async () => {
    const { value } = everything();
    expect(await value(m.rateLimitFallbacks)).toBeUndefined();
    publish(c.rateLimitDecision, { decision: { allowed: false, source: 'local-block' } });
    expect(await value(m.rateLimitFallbacks)).toBe(0);
    expect(await value(m.rateLimitStoreErrors)).toBe(0);
    publish(c.rateLimitFallback, { policy: 'local' });
    expect(await value(m.rateLimitFallbacks, { 'cachestack.policy': 'local' })).toBe(1);
  });

  it('counts live key-migration fallbacks, backfills and legacy errors', async () => {
    const { value } = everything();
    publish(c.migrateFallback, { key: 'k', legacyKey: 'old:k' });
    publish(c.migrateFallback, { key: 'j', legacyKey: 'old:j' });
    publish(c.migrateBackfill, { key: 'k', legacyKey: 'old:k', ttlMs: 1000 });
    expect(await value(m.migrateFallbacks)).toBe(2);
    expect(await value(m.migrateBackfills)).toBe(1);
    expect(await value(m.migrateLegacyErrors)).toBe(0);
  });
});

describe('bus gauge', () => {
  it('reports 1 while the bus is connected and 0 while it is not', async () => {
    const { value, bus } = everything();
    expect(await value(m.busConnected)).toBe(1);
    bus.disconnect();
    expect(await value(m.busConnected)).toBe(0);
    bus.reconnect();
    expect(await value(m.busConnected)).toBe(1);
  });
});

describe('README', () => {
  it('lists every deprecated name next to its replacement, as legacyNames emits them', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const rows = new Map<string, string>();
    for (const match of readme.matchAll(
      /^\| `(cachestack\.[^`]+)` \| `(cachestack\.[^`]+)` \|$/gm,
    )) {
      rows.set(match[1] as string, match[2] as string);
    }
    const expected = new Map<string, string>();
    for (const [key, legacy] of Object.entries(legacyMetricNames)) {
      expected.set(legacy, m[key as keyof typeof legacyMetricNames]);
    }
    expect(rows).toEqual(expected);
  });
});
