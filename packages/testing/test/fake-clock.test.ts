import { CacheStackError, createCache } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../src/index.js';

describe('fakeClock', () => {
  it('moves wall and monotonic time only when advanced', () => {
    const clock = fakeClock({ now: 1000 });
    expect(clock.now()).toBe(1000);
    expect(clock.monotonic()).toBe(0);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
    expect(clock.monotonic()).toBe(250);
  });

  it('runs due timers in due order, each at its due time, and leaves later ones pending', () => {
    const clock = fakeClock({ now: 0 });
    const ran: string[] = [];
    clock.setTimeout(() => ran.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push(`a2@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push('late'), 100);
    clock.advance(50);
    expect(ran).toEqual(['a@10', 'a2@10', 'b@20']);
    expect(clock.pending).toBe(1);
    expect(clock.now()).toBe(50);
  });

  it('runs a timer set by a timer when it falls due within the same step', () => {
    const clock = fakeClock({ now: 0 });
    const ran: number[] = [];
    clock.setTimeout(() => {
      ran.push(clock.now());
      clock.setTimeout(() => ran.push(clock.now()), 5);
    }, 10);
    clock.advance(14);
    expect(ran).toEqual([10]);
    clock.advance(1);
    expect(ran).toEqual([10, 15]);
  });

  it('does not run a cleared timer, and ignores unknown handles', () => {
    const clock = fakeClock();
    let ran = false;
    const timer = clock.setTimeout(() => {
      ran = true;
    }, 10);
    clock.clearTimeout(timer);
    clock.clearTimeout({});
    clock.advance(100);
    expect(ran).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('runAll fires every pending timer and stops a timer that re-arms forever', () => {
    const clock = fakeClock({ now: 0 });
    const ran: number[] = [];
    clock.setTimeout(() => ran.push(clock.monotonic()), 30);
    clock.setTimeout(() => ran.push(clock.monotonic()), 10);
    expect(clock.runAll()).toBe(2);
    expect(ran).toEqual([10, 30]);
    const rearm = () => {
      clock.setTimeout(rearm, 1);
    };
    rearm();
    expect(() => clock.runAll(50)).toThrow(CacheStackError);
  });

  it('set() steps the wall clock without touching monotonic time or timers', () => {
    const clock = fakeClock({ now: 10_000 });
    let ran = false;
    clock.setTimeout(() => {
      ran = true;
    }, 100);
    clock.set(0);
    expect(clock.now()).toBe(0);
    expect(clock.monotonic()).toBe(0);
    expect(ran).toBe(false);
    clock.advance(100);
    expect(ran).toBe(true);
  });

  it('advanceAsync fires timers armed by promise continuations within the step', async () => {
    const clock = fakeClock({ now: 0 });
    const ran: number[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const task = (async () => {
      await sleep(10);
      ran.push(clock.monotonic());
      await sleep(10);
      ran.push(clock.monotonic());
    })();
    await clock.advanceAsync(25);
    await task;
    expect(ran).toEqual([10, 20]);
  });

  it('rejects a negative step with a typed error', () => {
    const clock = fakeClock();
    expect(() => clock.advance(-1)).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() => fakeClock({ now: Number.NaN })).toThrow(CacheStackError);
  });

  it('drives a cache TTL and grace through `now` without sleeping', async () => {
    const clock = fakeClock();
    const cache = createCache({ now: clock.now, defaults: { ttl: 1000, grace: 5000 } });
    let loads = 0;
    const load = () => cache.getOrSet('k', async () => ++loads);
    expect(await load()).toBe(1);
    clock.advance(999);
    expect(await load()).toBe(1);
    clock.advance(2);
    // Expired but within grace: a failing loader falls back to the stale value.
    expect(await cache.getOrSet('k', async () => Promise.reject(new Error('down')))).toBe(1);
    clock.advance(10_000);
    expect(await load()).toBe(2);
    await cache.close();
  });
});
