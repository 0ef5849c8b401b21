import {
  type CacheOptions,
  createCache,
  MemoryStore,
  StoreError,
  TimeoutError,
} from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosStore, chaosStore, fakeClock } from '../src/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A cache over a chaos-wrapped memory L2; deadlines, breaker and delays on one fake clock. */
function setup(options: Partial<CacheOptions> = {}, custom?: ChaosStore) {
  const clock = fakeClock();
  const chaos = custom ?? chaosStore(new MemoryStore(), { clock });
  const cache = createCache({
    clock,
    l1: false,
    l2: { store: chaos, timeoutMs: 50, failureThreshold: 3, breakDurationMs: 1000 },
    ...options,
  });
  const events: string[] = [];
  for (const name of ['l2:error', 'l2:corrupt', 'circuit:open', 'circuit:close'] as const) {
    cache.on(name, () => events.push(name));
  }
  closers.push(async () => {
    chaos.heal();
    await cache.close();
  });
  return { cache, chaos, clock, events };
}

describe('chaosStore through a real cache', () => {
  it('hang(): reads return at the L2 deadline while the store still hangs, and the circuit opens', async () => {
    const { cache, chaos, clock, events } = setup();
    await cache.set('k', 'v');
    chaos.hang();
    for (let i = 0; i < 3; i++) {
      let settled = false;
      const read = cache.get('k').finally(() => {
        settled = true;
      });
      // The deadline follows the cache's clock, not real timers: one ms short of it the
      // read still waits, and moving the clock the last ms settles it with no real time
      // passing (on real timers it would still be pending here).
      await clock.advanceAsync(49);
      expect(settled).toBe(false);
      await clock.advanceAsync(1);
      expect(settled).toBe(true);
      expect(await read).toBeUndefined();
    }
    expect(chaos.hungCalls).toBe(3);
    expect(chaos.counters.hangs).toBe(3);
    expect(events.filter((e) => e === 'l2:error')).toHaveLength(3);
    expect(events).toContain('circuit:open');
    expect(cache.stats().circuit).toBe('open');
    // While open the store is not even called.
    expect(await cache.get('k')).toBeUndefined();
    expect(chaos.count('get')).toBe(3);
    chaos.heal();
    expect(chaos.hungCalls).toBe(0);
    clock.advance(1000);
    expect(await cache.get('k')).toBe('v');
    expect(cache.stats().circuit).toBe('closed');
  });

  it('fail(): every call rejects with the injected error until heal()', async () => {
    const { cache, chaos } = setup();
    const errors: unknown[] = [];
    cache.on('l2:error', (e) => errors.push(e.error));
    await cache.set('k', 'v');
    chaos.fail();
    expect(await cache.get('k')).toBeUndefined();
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect(chaos.counters.failures).toBe(1);
    chaos.heal();
    expect(await cache.get('k')).toBe('v');
  });

  it('corrupt(1) with bit flips: every read is a miss with an l2:corrupt event, never a wrong value', async () => {
    const { cache, chaos, events } = setup({}, chaosStore(new MemoryStore(), { seed: 7 }));
    for (let i = 0; i < 40; i++) await cache.set(`k${i}`, { i, text: 'x'.repeat(i * 7) });
    chaos.corrupt(1);
    for (let i = 0; i < 40; i++) expect(await cache.get(`k${i}`)).toBeUndefined();
    expect(events.filter((e) => e === 'l2:corrupt')).toHaveLength(40);
    expect(chaos.counters.corruptions).toBe(40);
    // A corrupted entry is deleted: healed reads miss too, and no wrong value ever shows.
    chaos.heal();
    expect(await cache.get('k3')).toBeUndefined();
    expect(events).not.toContain('l2:error');
  });

  it("corrupt(rate, 'truncate'): every read is the written value or a counted miss", async () => {
    const { cache, chaos, events } = setup({}, chaosStore(new MemoryStore(), { seed: 42 }));
    for (let i = 0; i < 60; i++) await cache.set(`k${i}`, { i, tags: ['a', 'b'], at: new Date(i) });
    chaos.corrupt(0.5, 'truncate');
    let misses = 0;
    for (let i = 0; i < 60; i++) {
      const value = await cache.get(`k${i}`);
      if (value === undefined) misses++;
      else expect(value).toEqual({ i, tags: ['a', 'b'], at: new Date(i) });
    }
    expect(misses).toBe(chaos.counters.corruptions);
    expect(misses).toBeGreaterThan(10);
    expect(misses).toBeLessThan(50);
    expect(events.filter((e) => e === 'l2:corrupt')).toHaveLength(misses);
  });

  it('slow(ms) past the L2 deadline turns reads into timeouts; within it they succeed', async () => {
    const { cache, chaos, clock } = setup();
    const errors: unknown[] = [];
    cache.on('l2:error', (e) => errors.push(e.error));
    await cache.set('k', 'v');
    chaos.slow(5);
    const quick = cache.get('k');
    await clock.advanceAsync(5);
    expect(await quick).toBe('v');
    expect(chaos.counters.delays).toBe(1);
    chaos.slow(10_000);
    const late = cache.get('k');
    await clock.advanceAsync(50);
    expect(await late).toBeUndefined();
    expect(errors[0]).toBeInstanceOf(TimeoutError);
  });

  it('dropWrites(1): writes report success but another instance finds nothing', async () => {
    const inner = new MemoryStore();
    const chaos = chaosStore(inner);
    const { cache } = setup({}, chaos);
    chaos.dropWrites(1);
    await cache.set('k', 'v');
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(chaos.counters.droppedWrites).toBe(3);
    expect(await inner.getMany('default', ['k', 'a', 'b'])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    chaos.heal();
    await cache.set('k', 'v');
    expect(await inner.has('default', 'k')).toBe(true);
  });

  it('errorRate and timeoutRate: every injected fault reaches the cache as an l2:error, never as a value', async () => {
    const chaos = chaosStore(new MemoryStore(), { seed: 11 });
    const { cache } = setup(
      { l2: { store: chaos, timeoutMs: 1000, failureThreshold: 1000 } },
      chaos,
    );
    const errors: unknown[] = [];
    cache.on('l2:error', (e) => errors.push(e.error));
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, i);
    chaos.configure({ errorRate: 0.3, timeoutRate: 0.3, timeoutMs: 1 });
    for (let i = 0; i < 20; i++) {
      const value = await cache.get(`k${i}`);
      if (value !== undefined) expect(value).toBe(i);
    }
    const { failures, timeouts } = chaos.counters;
    expect(failures).toBeGreaterThan(0);
    expect(timeouts).toBeGreaterThan(0);
    expect(errors.filter((e) => e instanceof TimeoutError)).toHaveLength(timeouts);
    expect(errors.filter((e) => e instanceof StoreError)).toHaveLength(failures);
  });

  it('timeoutRate: calls reject with TimeoutError once the chaos clock passes timeoutMs', async () => {
    const clock = fakeClock();
    const chaos = chaosStore(new MemoryStore(), { timeoutRate: 1, timeoutMs: 300, clock });
    let outcome: unknown = 'pending';
    const call = chaos.get('n', 'k').then(
      (v) => (outcome = v),
      (e) => (outcome = e),
    );
    await clock.advanceAsync(299);
    expect(outcome).toBe('pending');
    await clock.advanceAsync(1);
    await call;
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect(chaos.counters.timeouts).toBe(1);
  });

  it('a seed replays the same faults, and a rate of 0.3 fails about 30% of calls', async () => {
    const pattern = async (seed: number) => {
      const chaos = chaosStore(new MemoryStore(), { errorRate: 0.3, seed });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 200; i++) {
        outcomes.push(
          await chaos.has('n', 'k').then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };
    const first = await pattern(1);
    expect(await pattern(1)).toEqual(first);
    expect(await pattern(2)).not.toEqual(first);
    const failures = first.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
  });

  it('latency as a range or a distribution delays every call on the chaos clock', async () => {
    const clock = fakeClock();
    const chaos = chaosStore(new MemoryStore(), {
      latency: { minMs: 100, maxMs: 200 },
      clock,
      seed: 3,
    });
    let done = false;
    const call = chaos.has('n', 'k').then(() => {
      done = true;
    });
    await clock.advanceAsync(99);
    expect(done).toBe(false);
    await clock.advanceAsync(101);
    await call;
    expect(done).toBe(true);
    chaos.configure({ latency: () => 1000 });
    let late = false;
    const slow = chaos.has('n', 'k').then(() => {
      late = true;
    });
    await clock.advanceAsync(999);
    expect(late).toBe(false);
    await clock.advanceAsync(1);
    await slow;
    expect(chaos.counters.delays).toBe(2);
  });

  it('rejects out-of-range options with a typed error', () => {
    const store = new MemoryStore();
    expect(() => chaosStore(store, { errorRate: 2 })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() => chaosStore(store, { latency: -1 })).toThrow(/latency/);
    expect(() => chaosStore(store).corrupt(1, 'shred' as 'truncate')).toThrow(/corruption/);
    expect(() => chaosStore({} as MemoryStore)).toThrow(/RemoteStore/);
  });
});
