import { type Duration, toMs } from './contracts/duration.js';
import type { Entry } from './contracts/entry.js';
import {
  CacheStackError,
  InvalidOptionError,
  LoaderError,
  TimeoutError,
} from './contracts/errors.js';
import { coreChannels } from './contracts/events.js';
import type { Lock } from './contracts/locker.js';
import type { FenceToken } from './contracts/remote-store.js';
import type { ResolvedLoadOptions } from './options.js';
import { type Flight, makeEntry, type NamespaceState, type Stack } from './stack.js';

/** What a loader receives. */
export interface LoaderContext<T> {
  /** The key being loaded. */
  readonly key: string;
  /** The namespace of the key. */
  readonly namespace: string;
  /** Aborted when the cache closes or the distributed lock is lost. */
  readonly signal: AbortSignal;
  /** The stale value within grace, when there is one. */
  readonly staleValue: T | undefined;
  /**
   * Overrides the TTL (and optionally the grace) of the entry this load writes, e.g. a
   * TTL dictated by the source (an HTTP `max-age`, a legacy key's remaining PTTL).
   * @throws InvalidOptionError for a TTL that is not > 0 or a negative grace
   */
  setTtl(ttl: Duration, grace?: Duration): void;
}

/** Loads the value of a missing key. */
export type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>;

/** Resolved lock settings. */
export interface ResolvedLock {
  readonly locker: import('./contracts/locker.js').Locker;
  readonly acquireTimeoutMs: number;
  readonly leaseMs: number;
}

/** A load in flight, with what it learnt about stale values along the way. */
export interface LoadFlight extends Flight<Entry> {
  /** A stale entry (within grace) found in L2, usable as a fallback. */
  stale: Entry | undefined;
  /** The loader's error when the flight fell back to a stale value. */
  error?: unknown;
  readonly controller: AbortController;
}

/** Shared inputs of a load. */
export interface LoadRequest<T> {
  readonly stack: Stack;
  readonly ns: NamespaceState;
  readonly key: string;
  readonly l1Key: string;
  readonly loader: Loader<T>;
  readonly o: ResolvedLoadOptions;
  readonly lock: ResolvedLock | undefined;
  readonly localStale: Entry | undefined;
}

function isUsableStale(entry: Entry | undefined, now: number): entry is Entry {
  return entry !== undefined && entry.staleUntil > now;
}

/** Writes a loaded entry to L2 then L1, unless an invalidation fenced it. */
export async function writeLoaded(
  stack: Stack,
  ns: NamespaceState,
  flight: Flight,
  key: string,
  l1Key: string,
  entry: Entry,
  o: ResolvedLoadOptions,
  fence: FenceToken | undefined,
  fenceReadAt = Number.NEGATIVE_INFINITY,
): Promise<void> {
  const { l2, events } = stack.s;
  const tiers: ('l1' | 'l2')[] = [];
  if (l2 && fence !== undefined && performance.now() - fenceReadAt > l2.maxFenceAgeMs) {
    // The store may have forgotten invalidations this old: a conditional write could
    // not be trusted, so the (possibly stale) result stays out of L2.
    fence = undefined;
  }
  if (l2 && !o.skipL2 && fence !== undefined && !flight.fenced) {
    try {
      const bytes = await l2.encode(entry);
      const ttlMs = Math.max(1, Math.ceil(entry.staleUntil - stack.s.clock.now()));
      const outcome = await l2.set(ns.name, key, bytes, ttlMs, entry.tags, fence);
      if (outcome === 'fenced') {
        flight.fenced = true;
        events.emit('fenced', { namespace: ns.name, key, tier: 'l2' });
      } else {
        tiers.push('l2');
      }
    } catch (error) {
      if (error instanceof CacheStackError && error.code === 'CACHESTACK_SERIALIZATION')
        throw error;
      // L2 trouble was reported by the remote tier; the value still goes to L1.
    }
  }
  if (flight.fenced) {
    if (events.has('fenced')) events.emit('fenced', { namespace: ns.name, key, tier: 'l1' });
    return;
  }
  if (!o.skipL1 && stack.l1Set(ns, l1Key, entry, false)) tiers.push('l1');
  if (tiers.length > 0) {
    const ttlMs = entry.freshUntil - entry.createdAt;
    if (events.has('set')) events.emit('set', { namespace: ns.name, key, ttlMs, tiers });
    if (coreChannels.write.hasSubscribers) {
      coreChannels.write.publish({ namespace: ns.name, key, tiers, ttlMs });
    }
  }
}

async function acquire(req: LoadRequest<unknown>, flight: LoadFlight): Promise<Lock | undefined> {
  const { lock, stack, ns, key } = req;
  if (!lock || flight.fenced) return undefined;
  const wait = new AbortController();
  flight.lockWait = wait;
  let held: Lock;
  try {
    held = await lock.locker.acquire(`${ns.name}:${key}`, {
      timeoutMs: lock.acquireTimeoutMs,
      leaseMs: lock.leaseMs,
      signal: AbortSignal.any([flight.controller.signal, wait.signal]),
    });
  } catch (error) {
    // Fenced while waiting: this load writes nothing, so it needs no lock.
    if (flight.fenced) return undefined;
    // Availability first: load without the lock, and say so.
    const err = error instanceof Error ? error : new Error(String(error));
    stack.s.events.emit('error', { operation: 'lock:acquire', error: err });
    stack.s.logger.warn({ err, key }, 'cachestack: lock not acquired, loading without it');
    return undefined;
  } finally {
    flight.lockWait = undefined;
  }
  if (flight.fenced) {
    // Fenced while the lock was granted: hand it on to the load that replaced this one.
    held.release().catch(() => {});
    return undefined;
  }
  flight.lock = held;
  return held;
}

/** Starts a load flight and registers it for single flight. */
export function startLoad<T>(req: LoadRequest<T>): LoadFlight {
  const { stack, ns, key, l1Key, o } = req;
  const flight: LoadFlight = {
    namespace: ns.name,
    key,
    tags: o.tags,
    fenced: false,
    stale: undefined,
    controller: new AbortController(),
    promise: undefined as unknown as Promise<Entry>,
  };
  flight.promise = runLoad(req as LoadRequest<unknown>, flight).finally(() => {
    if (stack.loads.get(l1Key) === flight) stack.loads.delete(l1Key);
  });
  stack.loads.set(l1Key, flight);
  return flight;
}

async function readL2(req: LoadRequest<unknown>, flight: LoadFlight) {
  const { stack, ns, key, l1Key, o } = req;
  const l2 = stack.s.l2!;
  const read = await l2.getWithFence(ns.name, key);
  const entry = read.entry;
  const now = stack.s.clock.now();
  if (entry && !l2.hasPendingTag(ns.name, entry.tags)) {
    if (entry.freshUntil > now && !o.forceFresh) {
      if (!flight.fenced && !o.skipL1 && stack.shouldPromote(l1Key)) {
        stack.l1Set(ns, l1Key, entry, true);
      }
      ns.l2Hits++;
      stack.s.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
      return { hit: entry, fence: read.fence };
    }
    if (entry.staleUntil > now) flight.stale = entry;
  }
  return { hit: undefined, fence: read.fence };
}

async function runLoad(req: LoadRequest<unknown>, flight: LoadFlight): Promise<Entry> {
  const { stack, ns, key, l1Key, o, loader } = req;
  const { l2, events } = stack.s;
  let fence: FenceToken | undefined;
  let fenceReadAt = performance.now();
  let lock: Lock | undefined;
  try {
    if (l2 && !o.skipL2) {
      try {
        const first = await readL2(req, flight);
        if (first.hit) return first.hit;
        fence = first.fence;
        lock = await acquire(req, flight);
        if (lock) {
          // Another process may have loaded while we waited for the lock.
          const second = await readL2(req, flight);
          if (second.hit) return second.hit;
          fence = second.fence;
          fenceReadAt = performance.now();
        }
      } catch {
        // L2 unreachable: load anyway. Without a fence the result is not written to L2.
        fence = undefined;
      }
    }
    ns.misses++;
    if (events.has('miss')) events.emit('miss', { namespace: ns.name, key });
    if (coreChannels.read.hasSubscribers) {
      coreChannels.read.publish({ namespace: ns.name, key, tier: 'loader', result: 'miss' });
    }
    const started = performance.now();
    let value: unknown;
    let override: { ttlMs: number; graceMs: number } | undefined;
    try {
      value = await loader({
        key,
        namespace: ns.name,
        signal: lock
          ? AbortSignal.any([flight.controller.signal, lock.signal])
          : flight.controller.signal,
        staleValue: (req.localStale ?? flight.stale)?.value,
        setTtl(ttl: Duration, grace?: Duration) {
          const ttlMs = toMs('ttl', ttl);
          if (ttlMs <= 0) throw new InvalidOptionError('ttl', 'must be greater than 0');
          override = { ttlMs, graceMs: grace === undefined ? o.graceMs : toMs('grace', grace) };
        },
      });
    } catch (cause) {
      const durationMs = performance.now() - started;
      events.emit('load', { namespace: ns.name, key, durationMs, ok: false });
      if (coreChannels.load.hasSubscribers) {
        coreChannels.load.publish({ namespace: ns.name, key, durationMs, ok: false });
      }
      const now = stack.s.clock.now();
      const fallback = isUsableStale(req.localStale, now)
        ? req.localStale
        : isUsableStale(flight.stale, now)
          ? flight.stale
          : undefined;
      if (fallback) {
        flight.error = cause;
        ns.stale++;
        events.emit('stale', { namespace: ns.name, key, reason: 'loader-error' });
        return fallback;
      }
      throw new LoaderError(key, { cause });
    }
    const durationMs = performance.now() - started;
    events.emit('load', { namespace: ns.name, key, durationMs, ok: true });
    if (coreChannels.load.hasSubscribers) {
      coreChannels.load.publish({ namespace: ns.name, key, durationMs, ok: true });
    }
    let ttlMs = o.ttlMs;
    if (override) {
      const entry = makeEntry(
        value,
        { ...o, graceMs: override.graceMs, jitter: 0 },
        stack.s.clock.now(),
        override.ttlMs,
      );
      await writeLoaded(stack, ns, flight, key, l1Key, entry, o, fence, fenceReadAt);
      return entry;
    }
    if (o.adaptiveTtl) {
      const chosen = stack.adaptive.next(l1Key, value, o.ttlMs, o.adaptiveTtl);
      ttlMs = chosen.ttlMs;
      events.emit('adaptive-ttl', { namespace: ns.name, key, ttlMs, changed: chosen.changed });
    }
    const entry = makeEntry(value, o, stack.s.clock.now(), ttlMs);
    await writeLoaded(stack, ns, flight, key, l1Key, entry, o, fence, fenceReadAt);
    return entry;
  } finally {
    // Idempotent: a fenced load has released its lock already.
    flight.lock = undefined;
    if (lock) lock.release().catch(() => {});
  }
}

function timer(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    handle = setTimeout(() => resolve('timeout'), ms);
  });
  return { promise, cancel: () => clearTimeout(handle) };
}

/**
 * Waits for a flight under the caller's soft and hard timeouts. A soft timeout returns
 * the stale value (if any) and lets the load finish in the background; a hard timeout
 * returns the stale value or rejects with TimeoutError.
 */
export async function awaitFlight(
  stack: Stack,
  ns: NamespaceState,
  key: string,
  flight: LoadFlight,
  o: ResolvedLoadOptions,
  localStale: Entry | undefined,
): Promise<Entry> {
  if (o.softTimeoutMs <= 0 && o.hardTimeoutMs <= 0) return flight.promise;
  const fallback = () => {
    const now = stack.s.clock.now();
    if (isUsableStale(localStale, now)) return localStale;
    return isUsableStale(flight.stale, now) ? flight.stale : undefined;
  };
  if (o.softTimeoutMs > 0) {
    const t = timer(o.softTimeoutMs);
    const first = await Promise.race([flight.promise, t.promise]);
    t.cancel();
    if (first !== 'timeout') return first;
    const stale = fallback();
    if (stale) {
      stack.track(flight.promise);
      ns.stale++;
      stack.s.events.emit('stale', { namespace: ns.name, key, reason: 'soft-timeout' });
      return stale;
    }
  }
  if (o.hardTimeoutMs > 0) {
    const remaining = o.hardTimeoutMs - Math.max(o.softTimeoutMs, 0);
    const t = timer(Math.max(1, remaining));
    const result = await Promise.race([flight.promise, t.promise]);
    t.cancel();
    if (result !== 'timeout') return result;
    stack.track(flight.promise);
    const stale = fallback();
    if (stale) {
      ns.stale++;
      stack.s.events.emit('stale', { namespace: ns.name, key, reason: 'hard-timeout' });
      return stale;
    }
    throw new TimeoutError(
      `loader for key "${key}" did not finish within ${o.hardTimeoutMs}ms`,
      o.hardTimeoutMs,
    );
  }
  return flight.promise;
}
