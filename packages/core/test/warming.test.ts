import { afterEach, describe, expect, it } from 'vitest';
import type { Cache } from '../src/cache/cache.js';
import { createCache } from '../src/cache/create-cache.js';
import type { WarmupProgress } from '../src/contracts/warmup.js';
import { HotKeyTracker, MemoryHotKeyExchange } from '../src/features/hot-keys.js';
import { createMemoryBusHub } from '../src/tiers/memory-bus.js';
import { MemoryStore } from '../src/tiers/memory-store.js';
import { clock, deferred, invalidationsOfK, setup, tick } from './helpers.js';

const caches: Cache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
const track = (c: Cache) => {
  caches.push(c);
  return c;
};

describe('warmup', () => {
  it('loads every key, reports failures per key and never aborts the rest', async () => {
    const { cache } = setup();
    track(cache);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const progress: WarmupProgress[] = [];
    const report = await cache.warmup(
      {
        keys,
        loader: ({ key }) => {
          if (key === 'k7' || key === 'k33') throw new Error(`cannot load ${key}`);
          return `v:${key}`;
        },
      },
      { concurrency: 4, onProgress: (p) => progress.push(p) },
    );
    expect(report.loaded).toBe(48);
    expect(report.failed).toBe(2);
    expect(report.failures.map((f) => f.key).sort()).toEqual(['k33', 'k7']);
    expect(report.done).toBe(50);
    expect(report.total).toBe(50);
    expect(progress).toHaveLength(50);
    expect(progress.at(-1)?.done).toBe(50);
    expect(await cache.get('k0')).toBe('v:k0');
  });

  it('is idempotent: warming twice loads nothing that is still fresh', async () => {
    const { cache } = setup();
    track(cache);
    let loads = 0;
    const source = { keys: ['a', 'b', 'c'], loader: () => ++loads };
    await cache.warmup(source);
    const second = await cache.warmup(source);
    expect(loads).toBe(3);
    expect(second.loaded).toBe(0);
    expect(second.skipped).toBe(3);
  });

  it('warms with a batch loader in batches and from an async iterable of entries', async () => {
    const { cache } = setup();
    track(cache);
    const batches: string[][] = [];
    await cache.set('k2', 'already');
    const report = await cache.warmup({
      keys: ['k1', 'k2', 'k3', 'k4', 'k5'],
      batchSize: 2,
      batchLoader: (keys) => {
        batches.push(keys);
        return keys.map((k) => k.toUpperCase());
      },
    });
    expect(batches).toEqual([['k1'], ['k3', 'k4'], ['k5']]);
    expect(report.loaded).toBe(4);
    expect(report.skipped).toBe(1);
    async function* entries() {
      yield { key: 'e1', value: 1 };
      yield { key: 'e2', value: 2 };
    }
    const fromEntries = await cache.warmup({ entries: entries() });
    expect(fromEntries.loaded).toBe(2);
    expect(fromEntries.total).toBeUndefined();
    expect(await cache.getMany(['e1', 'e2'])).toEqual([1, 2]);
  });

  it('warms high-priority namespaces first', async () => {
    const { cache } = setup();
    track(cache);
    const order: string[] = [];
    const low = cache.namespace('low', { priority: 'low' });
    const high = cache.namespace('high', { priority: 'high' });
    const loader =
      (name: string) =>
      ({ key }: { key: string }) => {
        order.push(`${name}:${key}`);
        return key;
      };
    await cache.warmup(
      [
        { target: low, keys: ['1', '2'], loader: loader('low') },
        { target: cache, keys: ['1'], loader: loader('medium') },
        { target: high, keys: ['1', '2'], loader: loader('high') },
      ],
      { concurrency: 1 },
    );
    expect(order).toEqual(['high:1', 'high:2', 'medium:1', 'low:1', 'low:2']);
  });

  it('stops when its signal aborts and says so', async () => {
    const { cache } = setup();
    track(cache);
    const controller = new AbortController();
    let loads = 0;
    const report = await cache.warmup(
      {
        keys: Array.from({ length: 100 }, (_, i) => `k${i}`),
        loader: () => {
          if (++loads === 10) controller.abort();
          return loads;
        },
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(report.aborted).toBe(true);
    expect(report.loaded).toBe(10);
  });
});

describe('adaptive TTL', () => {
  it('converges up for a stable value and down for a volatile one, within bounds', async () => {
    const c = clock();
    const cache = track(createCache({ now: c.now, l2: new MemoryStore({ now: c.now }) }));
    const chosen: Record<string, number[]> = { stable: [], volatile: [] };
    cache.on('adaptive-ttl', (e) => chosen[e.key]?.push(e.ttlMs));
    const opts = { ttl: '1m', adaptiveTtl: { min: '10s', max: '16m' } };
    let n = 0;
    for (let i = 0; i < 8; i++) {
      await cache.getOrSet('stable', () => 'same', opts);
      await cache.getOrSet('volatile', () => `changed ${n++}`, opts);
      c.advance(20 * 60_000); // past any TTL: the next call reloads
    }
    expect(chosen.stable).toEqual([
      60_000, 120_000, 240_000, 480_000, 960_000, 960_000, 960_000, 960_000,
    ]);
    expect(chosen.volatile).toEqual([
      60_000, 30_000, 15_000, 10_000, 10_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('rejects inverted bounds', async () => {
    const cache = track(createCache());
    await expect(
      cache.getOrSet('k', () => 1, { adaptiveTtl: { min: '5m', max: '1m' } }),
    ).rejects.toMatchObject({
      code: 'CACHESTACK_INVALID_OPTION',
    });
  });
});

describe('background refresh of critical entries', () => {
  it('refreshes before expiry, backs off while the loader fails and serves stale within grace', async () => {
    const fake = clock();
    const cache = track(createCache({ l2: new MemoryStore({ now: fake.now }), clock: fake }));
    cache.markCritical({ keys: ['config'] }, { at: 0.5, jitter: 0, backoffMs: 1000 });
    const outcomes: boolean[] = [];
    cache.on('refresh', (e) => outcomes.push(e.ok));
    let version = 0;
    let failing = false;
    const loader = () => {
      if (failing) throw new Error('config service down');
      return `v${++version}`;
    };
    const opts = { ttl: 10_000, grace: 60_000 };
    expect(await cache.getOrSet('config', loader, opts)).toBe('v1');
    await fake.advanceAsync(5_001);
    expect(outcomes).toEqual([true]);
    expect(await cache.get('config')).toBe('v2');
    failing = true;
    await fake.advanceAsync(5_001); // due: fails
    await fake.advanceAsync(1_300); // first backoff: fails
    expect(outcomes.slice(1)).toEqual([false, false]);
    await fake.advanceAsync(5_000); // v2 now expired, within grace
    expect(await cache.get('config')).toBeUndefined(); // not fresh...
    expect(await cache.getOrSet('config', loader, opts)).toBe('v2'); // ...but served stale
    failing = false;
    await fake.advanceAsync(10_000);
    expect(outcomes.at(-1)).toBe(true);
    expect(await cache.get('config')).toMatch(/^v[3-9]$/);
    expect(version).toBeGreaterThanOrEqual(3);
  });

  for (const [name, invalidate] of invalidationsOfK) {
    it(`stops refreshing a key after ${name} until a getOrSet loads it again`, async () => {
      const fake = clock();
      const cache = track(createCache({ l2: new MemoryStore({ now: fake.now }), clock: fake }));
      cache.markCritical({ all: true }, { at: 0.5, jitter: 0 });
      let loads = 0;
      const loader = () => `v${++loads}`;
      const opts = { ttl: 10_000, tags: ['t'] };
      expect(await cache.getOrSet('k', loader, opts)).toBe('v1');
      await fake.advanceAsync(5_001);
      expect(loads).toBe(2); // refreshed while registered
      await invalidate(cache);
      await fake.advanceAsync(30_000);
      // not refreshed back into the cache
      expect(loads).toBe(2);
      expect(await cache.get('k')).toBeUndefined();
      // loaded again through getOrSet: critical again
      expect(await cache.getOrSet('k', loader, opts)).toBe('v3');
      await fake.advanceAsync(5_001);
      expect(loads).toBe(4);
      expect(await cache.get('k')).toBe('v4');
    });
  }

  it('keeps refreshing keys a tag invalidation does not cover', async () => {
    const fake = clock();
    const cache = track(createCache({ clock: fake }));
    cache.markCritical({ all: true }, { at: 0.5, jitter: 0 });
    const loads: string[] = [];
    const loader = (key: string) => () => {
      loads.push(key);
      return key;
    };
    await cache.getOrSet('a', loader('a'), { ttl: 10_000, tags: ['t'] });
    await cache.getOrSet('b', loader('b'), { ttl: 10_000, tags: ['u'] });
    await cache.deleteByTag('t');
    await fake.advanceAsync(5_001);
    expect(loads).toEqual(['a', 'b', 'b']);
  });

  it('stops refreshing a key deleted on another instance, not one set there', async () => {
    const fake = clock();
    const shared = new MemoryStore({ now: fake.now });
    const hub = createMemoryBusHub();
    const a = track(createCache({ clock: fake, l2: shared, bus: hub.createBus() }));
    const b = track(createCache({ clock: fake, l2: shared, bus: hub.createBus() }));
    a.markCritical({ all: true }, { at: 0.5, jitter: 0 });
    const loads: string[] = [];
    const loader = (key: string) => () => {
      loads.push(key);
      return key;
    };
    await a.getOrSet('deleted', loader('deleted'), { ttl: 10_000 });
    await a.getOrSet('updated', loader('updated'), { ttl: 10_000 });
    await b.delete('deleted');
    await b.set('updated', 'from-b', { ttl: 10_000 });
    await tick(); // the bus messages reach A
    await fake.advanceAsync(5_001);
    expect(loads).toEqual(['deleted', 'updated', 'updated']);
    expect(await a.get('deleted')).toBeUndefined();
  });

  it('stops refreshing on close', async () => {
    const fake = clock();
    const cache = createCache({ clock: fake });
    cache.markCritical({ all: true }, { at: 0.5, jitter: 0 });
    let loads = 0;
    await cache.getOrSet('k', () => ++loads, { ttl: 1000 });
    await cache.close();
    await fake.advanceAsync(10_000);
    expect(loads).toBe(1);
  });
});

describe('hot keys', () => {
  it('publishes hot keys periodically on the cache clock', async () => {
    const fake = clock();
    const exchange = new MemoryHotKeyExchange();
    const cache = track(
      createCache({
        clock: fake,
        hotKeys: { exchange, instanceId: 'a', publishIntervalMs: 1000 },
      }),
    );
    await cache.set('k', 1);
    await cache.get('k');
    expect(await exchange.collect('b')).toEqual([]);
    await fake.advanceAsync(1000);
    expect((await exchange.collect('b')).map((h) => h.key)).toEqual(['k']);
  });

  it('tracks the most frequently read keys', () => {
    const tracker = new HotKeyTracker(3);
    for (let i = 0; i < 200; i++) tracker.record('ns', `cold${i}`);
    for (let i = 0; i < 10; i++) for (const k of ['a', 'b', 'c']) tracker.record('ns', k);
    expect(
      tracker
        .top()
        .map((h) => h.key)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it("warms a starting instance's L1 from its peers' hot keys", async () => {
    const shared = new MemoryStore();
    const exchange = new MemoryHotKeyExchange();
    const a = track(
      createCache({ l2: shared, hotKeys: { exchange, instanceId: 'a', publishIntervalMs: 0 } }),
    );
    for (let i = 0; i < 5; i++) await a.set(`k${i}`, i);
    for (let r = 0; r < 5; r++) for (const k of ['k1', 'k3']) await a.get(k);
    await a.publishHotKeys();
    const store = new MemoryStore();
    void store;
    const b = track(
      createCache({ l2: shared, hotKeys: { exchange, instanceId: 'b', publishIntervalMs: 0 } }),
    );
    const result = await b.warmFromPeers({ maxKeys: 2 });
    expect(result.warmed).toBe(2);
    expect(b.stats().l1Entries).toBe(2);
    expect(await b.get('k1', { skipL2: true })).toBe(1);
    expect(await b.get('k3', { skipL2: true })).toBe(3);
  });

  it('defers with a deferred helper (fixture sanity)', async () => {
    const d = deferred<number>();
    d.resolve(1);
    expect(await d.promise).toBe(1);
  });
});
