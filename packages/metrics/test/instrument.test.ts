import { channel } from 'node:diagnostics_channel';
import { createCache, createMemoryBusHub, InvalidOptionError, LoaderError } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { instrument, metricNames as m } from '../src/index.js';
import { otel, setup } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function instrumented(options: Parameters<typeof setup>[0] = {}) {
  const o = otel();
  const s = setup(options);
  const handle = instrument(s.cache, { meter: o.meter });
  cleanups.push(
    () => o.shutdown(),
    () => s.cache.close(),
    () => handle.close(),
  );
  return { ...o, ...s, handle };
}

describe('instrument', () => {
  it('counts L1 hits, L2 hits and misses by namespace and tier', async () => {
    const { cache, value } = instrumented();
    await cache.set('a', 1);
    await cache.set('b', 2, { skipL1: true });
    for (let i = 0; i < 3; i++) await cache.get('a');
    expect(await cache.get('b')).toBe(2); // from L2, promoted
    expect(await cache.get('b')).toBe(2); // from L1
    const users = cache.namespace('users');
    expect(await users.get('nobody')).toBeUndefined();

    expect(await value(m.requests, { 'cachestack.tier': 'l1', 'cachestack.result': 'hit' })).toBe(
      4,
    );
    expect(await value(m.requests, { 'cachestack.tier': 'l2', 'cachestack.result': 'hit' })).toBe(
      1,
    );
    expect(
      await value(m.requests, { 'cachestack.namespace': 'users', 'cachestack.result': 'miss' }),
    ).toBe(1);
    expect(
      await value(m.requests, { 'cachestack.namespace': 'default', 'cachestack.result': 'miss' }),
    ).toBeUndefined();
    expect(await value(m.writes, { 'cachestack.namespace': 'default' })).toBe(2);
  });

  it('records loader durations by outcome and counts failed loads as errors', async () => {
    const { cache, value, histogram } = instrumented();
    await cache.getOrSet('ok', async () => 'v');
    await expect(
      cache.getOrSet('bad', async () => {
        throw new Error('db down');
      }),
    ).rejects.toBeInstanceOf(LoaderError);

    expect((await histogram(m.loaderDuration, { 'cachestack.outcome': 'ok' })).count).toBe(1);
    expect((await histogram(m.loaderDuration, { 'cachestack.outcome': 'error' })).count).toBe(1);
    expect(await value(m.requests, { 'cachestack.result': 'error' })).toBe(1);
    expect(await value(m.requests, { 'cachestack.result': 'miss' })).toBe(2);
  });

  it('counts a stale value served when the loader fails', async () => {
    const { cache, clock, value } = instrumented();
    await cache.set('k', 'old', { ttl: 1000, grace: 60_000 });
    clock.advance(2000);
    const got = await cache.getOrSet('k', async () => {
      throw new Error('db down');
    });
    expect(got).toBe('old');
    expect(await value(m.requests, { 'cachestack.result': 'stale' })).toBe(1);
    expect(await value(m.requests, { 'cachestack.result': 'error' })).toBe(1);
  });

  it('reports L1 entries and bytes as gauges read from cache.stats()', async () => {
    const { cache, value } = instrumented({ l1: { maxEntries: 100, maxBytes: '1mb' } });
    for (let i = 0; i < 7; i++) await cache.set(`k${i}`, { name: 'x'.repeat(100) });
    const stats = cache.stats();
    expect(stats.l1Bytes).toBeGreaterThan(0);
    expect(await value(m.l1Entries)).toBe(7);
    expect(await value(m.l1Bytes)).toBe(stats.l1Bytes);
    expect(await value(m.circuitState)).toBe(0);
    expect(await value(m.inFlightLoads)).toBe(0);
  });

  it('counts L1 evictions by reason', async () => {
    const { cache, value } = instrumented({ l1: { maxEntries: 2, policy: 'lru' } });
    for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i);
    expect(await value(m.evictions, { 'cachestack.reason': 'capacity' })).toBe(3);
    // w-tinylfu (the default) drops new keys read no more often than the victim
    const tiny = instrumented({ l1: { maxEntries: 2 } });
    for (let i = 0; i < 5; i++) await tiny.cache.set(`k${i}`, i);
    expect(await tiny.value(m.evictions, { 'cachestack.reason': 'rejected' })).toBe(3);
  });

  it('counts L2 errors and circuit transitions and reports the open circuit', async () => {
    const { cache, store, value, histogram } = instrumented();
    store.fail();
    for (let i = 0; i < 5; i++) expect(await cache.get(`missing${i}`)).toBeUndefined();
    expect(cache.stats().circuit).toBe('open');
    // failureThreshold 3: three calls fail, then the open circuit rejects without calling L2
    expect(await value(m.l2Errors)).toBe(3);
    expect(await value(m.l2Errors, { 'cachestack.operation': 'get' })).toBe(3);
    expect(await value(m.circuitTransitions, { 'cachestack.state': 'open' })).toBe(1);
    expect(await value(m.circuitState)).toBe(2);
    expect((await histogram(m.l2Duration, { 'cachestack.outcome': 'error' })).count).toBe(3);
  });

  it('records L2 call durations from the core:l2 channel', async () => {
    const { cache, histogram } = instrumented();
    await cache.set('a', 1, { skipL1: true });
    await cache.get('a');
    await cache.get('zzz');
    expect(
      (await histogram(m.l2Duration, { 'cachestack.operation': 'get', 'cachestack.outcome': 'ok' }))
        .count,
    ).toBe(2);
  });

  it('counts corrupted L2 entries', async () => {
    const { cache, store, value } = instrumented();
    await cache.set('a', 1, { skipL1: true });
    store.corrupt(1);
    expect(await cache.get('a')).toBeUndefined();
    expect(await value(m.corruptEntries, { 'cachestack.namespace': 'default' })).toBe(1);
  });

  it('counts invalidations received over the bus', async () => {
    const o = otel();
    const hub = createMemoryBusHub();
    const a = createCache({ bus: hub.createBus() });
    const b = createCache({ bus: hub.createBus() });
    const handle = instrument(b, { meter: o.meter, attributes: { 'cachestack.cache': 'b' } });
    cleanups.push(
      () => o.shutdown(),
      () => a.close(),
      () => b.close(),
      () => handle.close(),
    );
    await a.delete('x');
    await a.delete('y');
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(
      await o.value(m.busMessages, {
        'cachestack.message_type': 'delete',
        'cachestack.cache': 'b',
      }),
    ).toBe(2);
  });

  it('stops recording and unsubscribes on close, and close is idempotent', async () => {
    const { cache, handle, value } = instrumented();
    await cache.set('a', 1);
    await cache.get('a');
    expect(channel('cachestack:core:l2').hasSubscribers).toBe(true);
    handle.close();
    handle.close();
    expect(channel('cachestack:core:l2').hasSubscribers).toBe(false);
    await cache.get('a');
    expect(await value(m.requests)).toBeUndefined();
    expect(await value(m.l1Entries)).toBeUndefined();
  });

  it('reads lookups from cache.stats() counters when core keeps them, without per-lookup listeners', async () => {
    const o = otel();
    const { cache } = setup();
    const subscribed: string[] = [];
    const counters = { namespace: 'default', l1Hits: 0, l2Hits: 0, misses: 0, stale: 0 };
    // Core with the proposed `stats().namespaces` (see proposals/core-namespace-counters.diff).
    const withCounters = {
      on: ((name: never, listener: never) => {
        subscribed.push(name);
        return cache.on(name, listener);
      }) as typeof cache.on,
      stats: () => ({ ...cache.stats(), namespaces: [{ ...counters }] }),
    };
    const handle = instrument(withCounters, { meter: o.meter });
    cleanups.push(
      () => o.shutdown(),
      () => cache.close(),
      () => handle.close(),
    );
    expect(subscribed).not.toContain('hit');
    expect(subscribed).not.toContain('miss');
    Object.assign(counters, { l1Hits: 40, l2Hits: 2, misses: 5, stale: 1 });
    expect(await o.value(m.requests, { 'cachestack.tier': 'l1', 'cachestack.result': 'hit' })).toBe(
      40,
    );
    expect(await o.value(m.requests, { 'cachestack.result': 'miss' })).toBe(5);
    expect(await o.value(m.requests, { 'cachestack.result': 'stale' })).toBe(1);
  });

  it('rejects a missing or invalid meter with InvalidOptionError', () => {
    const { cache } = setup();
    cleanups.push(() => cache.close());
    expect(() => instrument(cache, {} as never)).toThrow(InvalidOptionError);
    expect(() => instrument(cache, { meter: {} as never })).toThrow(/CACHESTACK|meter/);
  });
});
