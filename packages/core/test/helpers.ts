import { ChaosStore, type FakeClock, fakeClock } from '@cachestack/testing';
import type { Cache } from '../src/cache/cache.js';
import { createCache } from '../src/cache/create-cache.js';
import type { CacheOptions } from '../src/contracts/options.js';
import { MemoryStore } from '../src/tiers/memory-store.js';

/**
 * A fake clock (`fakeClock()` from @cachestack/testing): time moves only when a test
 * advances it, and the cache's timers (deadlines, timeouts, retries, refresh) fire then.
 */
export function clock(start = 1_700_000_000_000): FakeClock {
  return fakeClock({ now: start });
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

/**
 * The four invalidations that cover key `k` (tagged `t`), by name: what guarantee 6 and
 * the end of a critical refresh are tested against.
 */
export const invalidationsOfK: readonly [string, (cache: Cache) => Promise<void>][] = [
  ['delete', (c) => c.delete('k')],
  ['deleteMany', (c) => c.deleteMany(['k', 'other'])],
  ['deleteByTag', (c) => c.deleteByTag('t')],
  ['clear', (c) => c.clear()],
];
