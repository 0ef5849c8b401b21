import { ChaosStore } from '../../test-suite/src/chaos-store.js';
import { createCache } from '../src/cache/create-cache.js';
import type { Clock, ClockTimer } from '../src/contracts/clock.js';
import type { CacheOptions } from '../src/contracts/options.js';
import { MemoryStore } from '../src/tiers/memory-store.js';

/** A fake {@link Clock}: time moves only when a test advances it, timers fire then. */
export interface FakeClock extends Clock {
  /** Moves time forward, firing due timers in order (synchronously). */
  advance(ms: number): void;
  /**
   * Moves time forward timer by timer, letting promise chains and I/O callbacks run
   * before and after each timer fires (what awaiting real time would have let run).
   */
  advanceAsync(ms: number): Promise<void>;
  /** Timers not fired nor cleared yet. */
  readonly pendingTimers: number;
}

/**
 * A fake clock for core's tests (a public `fakeClock()` lives in @cachestack/testing).
 * Wall time starts at `start`; monotonic time at 0; both advance together.
 */
export function clock(start = 1_700_000_000_000): FakeClock {
  let wall = start;
  let mono = 0;
  let nextId = 0;
  const timers = new Map<object, { at: number; id: number; callback: () => void }>();
  const due = (until: number) => {
    let first: [object, { at: number; id: number; callback: () => void }] | undefined;
    for (const entry of timers) {
      if (entry[1].at > until) continue;
      if (
        !first ||
        entry[1].at < first[1].at ||
        (entry[1].at === first[1].at && entry[1].id < first[1].id)
      )
        first = entry;
    }
    return first;
  };
  const fireNext = (until: number): boolean => {
    const next = due(until);
    if (!next) return false;
    timers.delete(next[0]);
    mono += next[1].at - wall;
    wall = next[1].at;
    next[1].callback();
    return true;
  };
  return {
    now: () => wall,
    monotonic: () => mono,
    setTimeout(callback: () => void, delayMs: number): ClockTimer {
      const handle = {};
      timers.set(handle, { at: wall + Math.max(0, delayMs), id: nextId++, callback });
      return handle;
    },
    clearTimeout(timer: ClockTimer): void {
      timers.delete(timer as object);
    },
    advance(ms: number): void {
      const until = wall + ms;
      while (fireNext(until)) {}
      mono += until - wall;
      wall = until;
    },
    async advanceAsync(ms: number): Promise<void> {
      const until = wall + ms;
      await flush();
      while (fireNext(until)) await flush();
      mono += until - wall;
      wall = until;
      await flush();
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}

/** Lets promise chains and immediate callbacks run (a few event-loop turns, no wall time). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise with its resolve/reject exposed, to hold a loader mid-flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A cache over a chaos-wrapped in-memory L2, with a fake clock. */
export function setup(options: Partial<CacheOptions> = {}) {
  const c = clock();
  const inner = new MemoryStore({ now: c.now });
  const store = new ChaosStore(inner);
  const cache = createCache({
    clock: c,
    l2: { store, timeoutMs: 200, failureThreshold: 3, breakDurationMs: 1000 },
    ...options,
  });
  return { cache, store, inner, clock: c };
}

/** Lets queued microtasks and immediate callbacks run. */
export const tick = () => new Promise<void>((r) => setImmediate(r));
