import type { Duration } from '../contracts/duration.js';
import { toMs } from '../contracts/duration.js';
import type { Entry } from '../contracts/entry.js';
import { makeEntry } from '../contracts/entry.js';
import { InvalidOptionError, LoaderError } from '../contracts/errors.js';
import { coreChannels, coreTracingChannels } from '../contracts/events.js';
import type { Lock } from '../contracts/locker.js';
import type { FenceToken } from '../contracts/remote-store.js';
import type { Flight } from '../tiers/flights.js';
import { isUsableStale, type LoadRequest } from './load-request.js';
import { writeLoaded } from './write-loaded.js';

/** The flight's abort signal, created on first use (aborted at once if the cache closed). */
function flightSignal(req: LoadRequest<unknown>, flight: Flight): AbortSignal {
  if (flight.controller === undefined) {
    flight.controller = new AbortController();
    if (req.stack.closed) flight.controller.abort();
  }
  return flight.controller.signal;
}

async function acquire(req: LoadRequest<unknown>, flight: Flight): Promise<Lock | undefined> {
  const { lock, stack, ns, key } = req;
  if (!lock || flight.fenced) return undefined;
  const wait = new AbortController();
  flight.lockWait = wait;
  let held: Lock;
  try {
    const resource = `${ns.name}:${key}`;
    const options = {
      timeoutMs: lock.acquireTimeoutMs,
      leaseMs: lock.leaseMs,
      signal: AbortSignal.any([flightSignal(req, flight), wait.signal]),
    };
    const locker = lock.locker;
    held = await (coreTracingChannels.lockWait.hasSubscribers
      ? coreTracingChannels.lockWait.tracePromise(
          locker.acquire,
          { cache: stack.events.diagnosticsId, namespace: ns.name, key },
          locker,
          resource,
          options,
        )
      : locker.acquire(resource, options));
  } catch (error) {
    // Fenced while waiting: this load writes nothing, so it needs no lock.
    if (flight.fenced) return undefined;
    // Availability first: load without the lock, and say so.
    const err = error instanceof Error ? error : new Error(String(error));
    stack.events.emit('error', { operation: 'lock:acquire', error: err });
    stack.logger.warn({ err, key }, 'cachestack: lock not acquired, loading without it');
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
export function startLoad<T>(req: LoadRequest<T>): Flight {
  const { stack, ns, key, l1Key, options } = req;
  const flight: Flight = {
    namespace: ns.name,
    key,
    tags: options.tags,
    fenced: false,
    settled: false,
    stale: undefined,
    fence: undefined,
    controller: undefined,
    promise: undefined as unknown as Promise<Entry>,
  };
  flight.promise = coreTracingChannels.load.hasSubscribers
    ? coreTracingChannels.load.tracePromise(
        runLoad,
        { cache: stack.events.diagnosticsId, namespace: ns.name, key },
        undefined,
        req as LoadRequest<unknown>,
        flight,
      )
    : runLoad(req as LoadRequest<unknown>, flight);
  // A load that finished synchronously (a loader that threw at once) is not joinable.
  if (!flight.settled) stack.flights.add(l1Key, flight);
  return flight;
}

/**
 * Reads the key from L2 with a fence (kept on the flight for the later fenced write).
 * Returns the entry when it is fresh (promoted to L1 and counted as an L2 hit); keeps a
 * stale one within grace on the flight as a fallback.
 */
function readL2(req: LoadRequest<unknown>, flight: Flight): Promise<Entry | undefined> {
  return req.stack.l2!.getWithFence(req.ns.name, req.key).then((read) => {
    flight.fence = read.fence;
    const entry = read.entry;
    if (entry === undefined) return undefined;
    const { stack, ns, key, l1Key, options } = req;
    if (stack.l2!.hasPendingTag(ns.name, entry.tags)) return undefined;
    const now = stack.clock.now();
    if (entry.freshUntil > now && !options.forceFresh) {
      if (!flight.fenced && !options.skipL1 && stack.promotion.shouldPromote(l1Key)) {
        stack.l1Set(ns, l1Key, entry, true);
      }
      ns.l2Hits++;
      if (stack.events.has('hit'))
        stack.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
      return entry;
    }
    if (entry.staleUntil > now) flight.stale = entry;
    return undefined;
  });
}

async function runLoad(req: LoadRequest<unknown>, flight: Flight): Promise<Entry> {
  const { stack, ns, key, l1Key, options, loader } = req;
  const { l2, events } = stack;
  let fence: FenceToken | undefined;
  let fenceReadAt = stack.clock.monotonic();
  let lock: Lock | undefined;
  try {
    if (l2 && !options.skipL2) {
      try {
        const hit = await readL2(req, flight);
        if (hit !== undefined) return hit;
        fence = flight.fence;
        lock = await acquire(req, flight);
        if (lock) {
          // Another process may have loaded while we waited for the lock.
          const second = await readL2(req, flight);
          if (second !== undefined) return second;
          fence = flight.fence;
          fenceReadAt = stack.clock.monotonic();
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
    const started = stack.clock.monotonic();
    let value: unknown;
    let override: { ttlMs: number; graceMs: number } | undefined;
    try {
      value = await loader({
        key,
        namespace: ns.name,
        signal: lock
          ? AbortSignal.any([flightSignal(req, flight), lock.signal])
          : flightSignal(req, flight),
        staleValue: (req.localStale ?? flight.stale)?.value,
        setTtl(ttl: Duration, grace?: Duration) {
          const ttlMs = toMs('ttl', ttl);
          if (ttlMs <= 0) throw new InvalidOptionError('ttl', 'must be greater than 0');
          override = {
            ttlMs,
            graceMs: grace === undefined ? options.graceMs : toMs('grace', grace),
          };
        },
      });
    } catch (cause) {
      const durationMs = stack.clock.monotonic() - started;
      events.emit('load', { namespace: ns.name, key, durationMs, ok: false });
      if (coreChannels.load.hasSubscribers) {
        coreChannels.load.publish({ namespace: ns.name, key, durationMs, ok: false });
      }
      const now = stack.clock.now();
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
    const durationMs = stack.clock.monotonic() - started;
    events.emit('load', { namespace: ns.name, key, durationMs, ok: true });
    if (coreChannels.load.hasSubscribers) {
      coreChannels.load.publish({ namespace: ns.name, key, durationMs, ok: true });
    }
    let ttlMs = options.ttlMs;
    if (override) {
      const entry = makeEntry(
        value,
        { ...options, graceMs: override.graceMs, jitter: 0 },
        stack.clock.now(),
        override.ttlMs,
      );
      await writeLoaded(stack, ns, flight, key, l1Key, entry, options, fence, fenceReadAt);
      return entry;
    }
    if (options.adaptiveTtl) {
      const chosen = stack.adaptive.next(l1Key, value, options.ttlMs, options.adaptiveTtl);
      ttlMs = chosen.ttlMs;
      events.emit('adaptive-ttl', { namespace: ns.name, key, ttlMs, changed: chosen.changed });
    }
    const entry = makeEntry(value, options, stack.clock.now(), ttlMs);
    await writeLoaded(stack, ns, flight, key, l1Key, entry, options, fence, fenceReadAt);
    return entry;
  } finally {
    // Idempotent: a fenced load has released its lock already.
    flight.lock = undefined;
    if (lock) lock.release().catch(() => {});
    // Leaves single flight as its promise settles (no caller joins a finished load).
    flight.settled = true;
    stack.flights.settle(l1Key, flight);
  }
}
