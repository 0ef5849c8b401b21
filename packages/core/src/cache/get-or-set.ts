import type { Entry } from '../contracts/entry.js';
import { ClosedError, LoaderError } from '../contracts/errors.js';
import type { Loader } from '../contracts/loader.js';
import type { ResolvedLoadOptions } from '../contracts/options.js';
import { awaitFlight } from '../load/await-flight.js';
import { startLoad } from '../load/run-load.js';
import { L1Box } from '../tiers/l1-box.js';
import type { CacheView } from './view.js';

/**
 * `getOrSet`: a fresh L1 value (with an eager refresh past the configured fraction of
 * its TTL), else join the key's load in flight, else start one (L2, lock, loader,
 * fenced write), and wait for it under the soft and hard timeouts. An L1 hit returns one
 * resolved promise: no async frame, no await. May throw synchronously (the caller turns
 * that into a rejection).
 */
export function getOrSetValue(
  view: CacheView,
  key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
): Promise<unknown> {
  const { stack, ns } = view;
  const l1Key = ns.l1Prefix + key;
  if (stack.hotKeys !== undefined) stack.hotKeys.record(ns.name, key);
  if (stack.critical.active) considerCritical(view, key, l1Key, loader, options);
  let localStale: Entry | undefined;
  if (!options.skipL1 && !options.forceFresh && stack.l1Usable) {
    const stored = stack.l1Get(l1Key);
    if (stored !== undefined) {
      const box = stored instanceof L1Box ? stored : undefined;
      const rel = box === undefined && options.eagerRefresh === 0 ? 0 : stack.rel();
      if (!box || box.freshOffset > rel) {
        ns.l1Hits++;
        if (stack.events.has('hit'))
          stack.events.emit('hit', { namespace: ns.name, key, tier: 'l1' });
        if (options.eagerRefresh > 0) {
          const remaining = box ? box.freshOffset - rel : (stack.l1?.remainingTtl(l1Key) ?? 0);
          if (remaining <= options.ttlMs * (1 - options.eagerRefresh)) {
            refreshInBackground(view, key, l1Key, loader, options);
          }
        }
        return Promise.resolve(box ? box.value : stored);
      }
      localStale = stack.toEntry(box);
    }
  }
  return loadValue(view, key, l1Key, loader, options, localStale);
}

// Its own function: a closure in getOrSetValue would make every call (hits included)
// allocate a context for the variables it captures.
function considerCritical(
  view: CacheView,
  key: string,
  l1Key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
): void {
  view.stack.critical.consider(view.ns.name, key, options.tags, options.ttlMs, () =>
    refreshNow(view, key, l1Key, loader, options),
  );
}

/** The value of a settled load (one shared function: no closure per call). */
const entryValue = (entry: Entry): unknown => entry.value;

/**
 * The miss path of `getOrSet`: join or start the key's load and wait for it. Without
 * timeouts the caller gets the flight's promise mapped to its value (one promise).
 */
function loadValue(
  view: CacheView,
  key: string,
  l1Key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
  localStale: Entry | undefined,
): Promise<unknown> {
  const { stack, ns } = view;
  let flight = options.forceFresh ? undefined : stack.flights.get(l1Key);
  if (!flight) {
    flight = startLoad({ stack, ns, key, l1Key, loader, options, lock: view.lock, localStale });
  }
  if (options.softTimeoutMs <= 0 && options.hardTimeoutMs <= 0) {
    return flight.promise.then(entryValue);
  }
  return awaitFlight(stack, ns, key, flight, options, localStale).then(entryValue);
}

/** Eager refresh: reloads a key in the background unless a load of it is in flight. */
function refreshInBackground(
  view: CacheView,
  key: string,
  l1Key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
): void {
  const { stack } = view;
  if (stack.flights.has(l1Key)) return;
  const flight = startReload(view, key, l1Key, loader, options);
  stack.track(
    flight.promise.catch((error: unknown) => {
      stack.events.emit('error', { operation: 'eager-refresh', error: error as Error });
    }),
  );
}

/** Starts a load that ignores cached values (eager and critical refresh). */
function startReload(
  view: CacheView,
  key: string,
  l1Key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
) {
  return startLoad({
    stack: view.stack,
    ns: view.ns,
    key,
    l1Key,
    loader,
    options: { ...options, forceFresh: true },
    lock: view.lock,
    localStale: undefined,
  });
}

/** Reloads a key now (critical refresh); rejects when the loader fails (stale is kept). */
async function refreshNow(
  view: CacheView,
  key: string,
  l1Key: string,
  loader: Loader<unknown>,
  options: ResolvedLoadOptions,
): Promise<Entry> {
  const { stack } = view;
  if (view.closed || stack.closed) throw new ClosedError();
  const flight = startReload(view, key, l1Key, loader, options);
  const entry = await flight.promise;
  if (flight.error !== undefined) throw new LoaderError(key, { cause: flight.error });
  return entry;
}
