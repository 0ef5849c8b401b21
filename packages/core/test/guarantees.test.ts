import { ChaosStore } from '@cachestack/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cache } from '../src/cache/cache.js';
import { createCache } from '../src/cache/create-cache.js';
import type { Lock, LockAcquireOptions, Locker } from '../src/contracts/locker.js';
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

describe('guarantee 1: single flight', () => {
  it('runs the loader once for 1000 concurrent getOrSet of one key', async () => {
    const { cache } = setup();
    track(cache);
    let calls = 0;
    const gate = deferred<void>();
    const loader = async () => {
      calls++;
      await gate.promise;
      return 'value';
    };
    const all = Array.from({ length: 1000 }, () => cache.getOrSet('hot', loader));
    await tick();
    gate.resolve();
    const values = await Promise.all(all);
    expect(calls).toBe(1);
    expect(new Set(values)).toEqual(new Set(['value']));
  });

  it('shares one loader failure among the waiters and retries on the next call', async () => {
    const { cache } = setup();
    track(cache);
    let calls = 0;
    const loader = async () => {
      calls++;
      await tick();
      throw new Error('nope');
    };
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => cache.getOrSet('k', loader)),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await expect(cache.getOrSet('k', () => 'ok')).resolves.toBe('ok');
  });
});

describe('guarantee 2: fenced writes', () => {
  const invalidations: [string, (cache: Cache) => Promise<void>][] = [
    ['delete', (c) => c.delete('k')],
    ['deleteByTag', (c) => c.deleteByTag('t')],
    ['clear', (c) => c.clear()],
    ['set', (c) => c.set('k', 'explicit')],
  ];

  for (const [name, invalidate] of invalidations) {
    it(`a loader that started before ${name} in this process writes nothing to L1 or L2`, async () => {
      const { cache, inner } = setup();
      track(cache);
      const gate = deferred<string>();
      const fenced: string[] = [];
      cache.on('fenced', (e) => fenced.push(e.tier));
      const pending = cache.getOrSet('k', () => gate.promise, { tags: ['t'] });
      await tick();
      await invalidate(cache);
      gate.resolve('loaded-before-invalidation');
      expect(await pending).toBe('loaded-before-invalidation');
      const expected = name === 'set' ? 'explicit' : undefined;
      expect(await cache.get('k')).toBe(expected);
      expect(await cache.get('k', { skipL1: true })).toBe(expected);
      expect(await inner.has('default', 'k')).toBe(name === 'set');
      expect(fenced).toContain('l1');
    });

    it(`a loader that started before ${name} in another instance writes nothing to L1 or L2`, async () => {
      const c = clock();
      const shared = new MemoryStore({ now: c.now });
      const hub = createMemoryBusHub();
      const a = track(createCache({ now: c.now, l2: shared, bus: hub.createBus() }));
      const b = track(createCache({ now: c.now, l2: shared, bus: hub.createBus() }));
      const gate = deferred<string>();
      const pending = a.getOrSet('k', () => gate.promise, { tags: ['t'] });
      await tick();
      await invalidate(b);
      // the loader finishes before the bus message reaches A: only the L2 fence stops it
      gate.resolve('stale');
      expect(await pending).toBe('stale');
      const expected = name === 'set' ? 'explicit' : undefined;
      expect(await a.get('k', { skipL1: true })).toBe(expected);
      await tick();
      expect(await a.get('k')).toBe(expected);
    });
  }

  it('a plain read that raced a delete does not leave the old value in L1', async () => {
    const { cache, store } = setup();
    track(cache);
    await cache.set('k', 'old', { skipL1: true });
    store.hang();
    const read = cache.get('k');
    await tick();
    const del = cache.delete('k');
    store.heal();
    await Promise.all([read, del]);
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('guarantee 3: bounded staleness across instances', () => {
  it('drops the deleted value from every other L1 once the bus delivers', async () => {
    const shared = new MemoryStore();
    const hub = createMemoryBusHub();
    const a = track(createCache({ l2: shared, bus: hub.createBus() }));
    const b = track(createCache({ l2: shared, bus: hub.createBus() }));
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1'); // now in B's L1
    await a.delete('k');
    await tick();
    expect(await b.get('k')).toBeUndefined();
    await a.set('k', 'v2');
    await tick();
    expect(await b.get('k')).toBe('v2');
  });

  it('bypasses L1 while the bus is down and drops L1 when it reconnects', async () => {
    const shared = new MemoryStore();
    const hub = createMemoryBusHub();
    const a = track(createCache({ l2: shared, bus: hub.createBus() }));
    const busB = hub.createBus();
    const b = track(createCache({ l2: shared, bus: busB }));
    const b2 = b.namespace('other');
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    await b2.set('x', 'kept in L2');
    busB.disconnect();
    await a.delete('k'); // B never hears of it
    await tick();
    expect(await b.get('k')).toBeUndefined(); // L1 bypassed: read from L2
    busB.reconnect();
    expect(await b.get('k')).toBeUndefined();
    expect(b.stats().l1Entries).toBeLessThanOrEqual(1);
    expect(await b2.get('x')).toBe('kept in L2');
  });

  it('applies tag invalidations and clears from other instances', async () => {
    const shared = new MemoryStore();
    const hub = createMemoryBusHub();
    const a = track(createCache({ l2: shared, bus: hub.createBus() }));
    const b = track(createCache({ l2: shared, bus: hub.createBus() }));
    await a.set('t1', 1, { tags: ['group'] });
    await a.set('t2', 2);
    expect(await b.getMany(['t1', 't2'])).toEqual([1, 2]);
    await a.deleteByTag('group');
    await tick();
    expect(await b.getMany(['t1', 't2'])).toEqual([undefined, 2]);
    await a.clear();
    await tick();
    expect(await b.get('t2')).toBeUndefined();
  });
});

describe('guarantee 4: L2 failure never hangs a caller', () => {
  it('answers within the L2 deadline when L2 hangs', async () => {
    const { cache, store, clock } = setup();
    track(cache);
    const errors: string[] = [];
    cache.on('store:error', (e) => errors.push((e.error as unknown as { code: string }).code));
    store.hang();
    const read = cache.get('k');
    await clock.advanceAsync(200); // the L2 deadline (timeoutMs) elapses on the fake clock
    expect(await read).toBeUndefined();
    const loaded = cache.getOrSet('k2', () => 'loaded');
    await clock.advanceAsync(200);
    expect(await loaded).toBe('loaded');
    expect(errors).toContain('CACHESTACK_TIMEOUT');
    store.heal();
  });

  it('opens the circuit after repeated failures, serves L1 and stale values, and recovers by itself', async () => {
    const { cache, store, clock } = setup();
    track(cache);
    const states: string[] = [];
    cache.on('circuit:open', () => states.push('open'));
    cache.on('circuit:close', () => states.push('close'));
    await cache.set('warm', 'from-l1', { ttl: 1000, grace: 60_000 });
    store.fail(new Error('ECONNREFUSED'));
    for (let i = 0; i < 3; i++) expect(await cache.get(`miss${i}`)).toBeUndefined();
    expect(states).toEqual(['open']);
    const callsWhenOpen = store.count('get');
    expect(await cache.get('other')).toBeUndefined();
    expect(store.count('get')).toBe(callsWhenOpen); // not even tried
    expect(await cache.get('warm')).toBe('from-l1');
    clock.advance(1500); // past TTL (within grace) and past the break: one probe goes to L2
    expect(await cache.getOrSet('warm', () => Promise.reject(new Error('db down')))).toBe(
      'from-l1',
    );
    expect(states).toEqual(['open', 'open']); // the failed probe re-opened it
    store.heal();
    clock.advance(1000); // past the break again: the probe succeeds
    expect(await cache.getOrSet('fresh', () => 'loaded')).toBe('loaded');
    expect(states).toEqual(['open', 'open', 'close']);
    expect(cache.stats().circuit).toBe('closed');
  });

  it('replays deletes that failed during the outage and never reads those keys from L2 meanwhile', async () => {
    const { cache, store, inner, clock } = setup();
    track(cache);
    await cache.set('k', 'old');
    store.fail();
    await cache.delete('k'); // L1 dropped; L2 delete queued
    expect(cache.stats().pendingInvalidations).toBe(1);
    store.heal();
    // L2 answers again but the delete has not been replayed yet: the old value is not served
    expect(await cache.get('k')).toBeUndefined();
    clock.advance(2000);
    await clock.advanceAsync(1100); // the replay timer fires on the fake clock
    expect(cache.stats().pendingInvalidations).toBe(0);
    expect(await inner.has('default', 'k')).toBe(false);
  });

  it('treats a corrupted L2 entry as a miss, deletes it and reports it', async () => {
    const { cache, store, inner } = setup();
    track(cache);
    const corrupt: string[] = [];
    cache.on('store:corrupt', (e) => corrupt.push(e.key));
    await cache.set('k', { secret: 'value' }, { skipL1: true });
    store.corrupt(1);
    expect(await cache.get('k')).toBeUndefined();
    expect(corrupt).toEqual(['k']);
    await tick();
    expect(await inner.has('default', 'k')).toBe(false);
    store.corrupt(0);
  });

  it('a chaos store shares no state with another cache (sanity of the fixture)', async () => {
    const a = new ChaosStore(new MemoryStore());
    a.fail();
    await expect(a.get('n', 'k')).rejects.toThrow('chaos');
    a.heal();
    expect(await a.get('n', 'k')).toBeUndefined();
  });
});

describe('fences older than the store keeps invalidation marks', () => {
  it('a loader that outlived the store fence window writes nothing to L2', async () => {
    const fake = clock();
    const store = new MemoryStore({ now: fake.now });
    Object.defineProperty(store, 'maxFenceAgeMs', { value: 20 });
    const cache = track(createCache({ l2: store, clock: fake }));
    const value = await cache.getOrSet('slow', async () => {
      fake.advance(40); // the loader takes 40 ms of the cache's (fake) clock
      return 'late';
    });
    expect(value).toBe('late');
    expect(await store.has('default', 'slow')).toBe(false);
    expect(await cache.get('slow')).toBe('late'); // L1 still serves it locally
  });
});

describe('guarantee 6: read after invalidate', () => {
  for (const [name, invalidate] of invalidationsOfK) {
    it(`a getOrSet that starts after ${name} does not join the load that started before it`, async () => {
      const { cache } = setup();
      track(cache);
      const gate = deferred<string>();
      const early = cache.getOrSet('k', () => gate.promise, { tags: ['t'] });
      const joined = cache.getOrSet('k', () => 'never called', { tags: ['t'] });
      await tick();
      await invalidate(cache);
      let newLoads = 0;
      const fresh = () => {
        newLoads++;
        return 'new';
      };
      const late = [cache.getOrSet('k', fresh), cache.getOrSet('k', fresh)];
      gate.resolve('old');
      // callers that asked before the invalidation keep the value they asked for
      expect(await early).toBe('old');
      expect(await joined).toBe('old');
      // callers after it start one new load, single-flighted among themselves
      expect(await Promise.all(late)).toEqual(['new', 'new']);
      expect(newLoads).toBe(1);
      expect(await cache.get('k')).toBe('new');
    });

    it(`a get after ${name} never returns the value of a load that started before it`, async () => {
      const { cache } = setup();
      track(cache);
      const gate = deferred<string>();
      const early = cache.getOrSet('k', () => gate.promise, { tags: ['t'] });
      await tick();
      await invalidate(cache);
      gate.resolve('old');
      await early;
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.getMany(['k'])).toEqual([undefined]);
    });
  }

  it('getOrSetMany reloads only the invalidated keys of a batch that was in flight', async () => {
    const { cache } = setup();
    track(cache);
    const gate = deferred<void>();
    const batchCalls: string[][] = [];
    const early = cache.getOrSetMany(['a', 'b', 'c'], async (keys) => {
      batchCalls.push(keys);
      await gate.promise;
      return keys.map((k) => `old-${k}`);
    });
    await tick();
    await cache.delete('b');
    const late = cache.getOrSetMany(['a', 'b', 'c'], async (keys) => {
      batchCalls.push(keys);
      return keys.map((k) => `new-${k}`);
    });
    const single = cache.getOrSet('b', () => 'never: joins the new batch');
    await tick();
    gate.resolve();
    expect(await early).toEqual(['old-a', 'old-b', 'old-c']);
    // a and c were not invalidated: joined; b is loaded again
    expect(await late).toEqual(['old-a', 'new-b', 'old-c']);
    expect(await single).toBe('new-b');
    expect(batchCalls).toEqual([['a', 'b', 'c'], ['b']]);
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['old-a', 'new-b', 'old-c']);
  });

  it('a tag invalidation detaches only the loads that carry the tag', async () => {
    const { cache } = setup();
    track(cache);
    const gateA = deferred<string>();
    const gateB = deferred<string>();
    const tagged = cache.getOrSet('a', () => gateA.promise, { tags: ['t'] });
    const other = cache.getOrSet('b', () => gateB.promise, { tags: ['u'] });
    await tick();
    await cache.deleteByTag('t');
    const lateA = cache.getOrSet('a', () => 'new-a', { tags: ['t'] });
    const lateB = cache.getOrSet('b', () => 'never: joins', { tags: ['u'] });
    gateA.resolve('old-a');
    gateB.resolve('b');
    expect(await tagged).toBe('old-a');
    expect(await other).toBe('b');
    expect(await lateA).toBe('new-a');
    expect(await lateB).toBe('b');
  });

  it('once the bus message is applied, another instance starts a new load too', async () => {
    const c = clock();
    const shared = new MemoryStore({ now: c.now });
    const hub = createMemoryBusHub();
    const a = track(createCache({ now: c.now, l2: shared, bus: hub.createBus() }));
    const b = track(createCache({ now: c.now, l2: shared, bus: hub.createBus() }));
    const gate = deferred<string>();
    const early = a.getOrSet('k', () => gate.promise);
    await tick();
    await b.delete('k');
    await tick(); // the bus message reaches A
    const late = a.getOrSet('k', () => 'new');
    gate.resolve('old');
    expect(await early).toBe('old');
    expect(await late).toBe('new');
    expect(await b.get('k')).toBe('new');
  });

  it('an eager refresh that started before an invalidation is not served after it', async () => {
    const { cache, clock: c } = setup();
    track(cache);
    await cache.set('k', 'v1', { ttl: 1000 });
    const gate = deferred<string>();
    // an eager refresh starts (hit past 50% of the TTL) and hangs
    c.advance(600);
    expect(await cache.getOrSet('k', () => gate.promise, { ttl: 1000, eagerRefresh: 0.5 })).toBe(
      'v1',
    );
    await cache.delete('k');
    expect(await cache.getOrSet('k', () => 'v2', { ttl: 1000 })).toBe('v2');
    gate.resolve('v1-refreshed-before-delete');
    await tick();
    await tick();
    expect(await cache.get('k')).toBe('v2');
  });

  it('a critical refresh that started before a delete is not served after it', async () => {
    const { cache, clock: c } = setup();
    track(cache);
    cache.markCritical({ keys: ['k'] }, { at: 0.5, jitter: 0 });
    const gate = deferred<string>();
    let loads = 0;
    const loader = () => (++loads === 1 ? 'v1' : gate.promise);
    expect(await cache.getOrSet('k', loader, { ttl: 10_000 })).toBe('v1');
    // the critical refresh starts at half the TTL and hangs
    await c.advanceAsync(5_001);
    expect(loads).toBe(2);
    await cache.delete('k');
    const late = cache.getOrSet('k', () => 'new', { ttl: 10_000 });
    gate.resolve('refreshed-before-delete');
    expect(await late).toBe('new');
    await tick();
    await tick();
    expect(await cache.get('k')).toBe('new');
  });

  it('a warmup load that started before a delete is not served after it', async () => {
    const { cache } = setup();
    track(cache);
    const gate = deferred<string>();
    const warming = cache.warmup({ keys: ['k'], loader: () => gate.promise });
    await tick();
    await cache.delete('k');
    const late = cache.getOrSet('k', () => 'new');
    gate.resolve('old');
    await warming;
    expect(await late).toBe('new');
    expect(await cache.get('k')).toBe('new');
  });

  it('with a distributed locker, the new load does not wait behind the old load lock', async () => {
    const locker = new LeaseLocker();
    const { cache } = setup({ lock: { locker, acquireTimeoutMs: 60_000, leaseMs: 60_000 } });
    track(cache);
    const gate = deferred<string>();
    const early = cache.getOrSet('k', () => gate.promise);
    await tick();
    await tick();
    expect(locker.held.has('default:k')).toBe(true);
    await cache.delete('k');
    // the old load is still running, yet the new one gets the lock at once
    expect(await cache.getOrSet('k', () => 'new')).toBe('new');
    gate.resolve('old');
    expect(await early).toBe('old');
    expect(await cache.get('k')).toBe('new');
    expect(locker.held.size).toBe(0);
  });
});

/**
 * A minimal in-process Locker with leases long enough that a test would time out if a
 * load waited for one to end: enough to observe who holds what, and when.
 */
class LeaseLocker implements Locker {
  readonly held = new Map<string, { release: () => void; waiters: (() => void)[] }>();

  async acquire(resource: string, options: LockAcquireOptions): Promise<Lock> {
    for (;;) {
      const current = this.held.get(resource);
      if (!current) break;
      await new Promise<void>((resolve, reject) => {
        current.waiters.push(resolve);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), {
          once: true,
        });
      });
    }
    const controller = new AbortController();
    let released = false;
    const slot = {
      waiters: [] as (() => void)[],
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(resource);
        for (const wake of slot.waiters) wake();
      },
    };
    this.held.set(resource, slot);
    return {
      resource,
      signal: controller.signal,
      release: async () => slot.release(),
    };
  }
}
