import type { Clock, ClockTimer } from '../contracts/clock.js';
import type { Entry } from '../contracts/entry.js';
import { TimeoutError } from '../contracts/errors.js';
import type { ResolvedLoadOptions } from '../contracts/options.js';
import type { Flight } from '../tiers/flights.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';
import { isUsableStale } from './load-request.js';

function timer(clock: Clock, ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let handle: ClockTimer | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    handle = clock.setTimeout(() => resolve('timeout'), ms);
  });
  return { promise, cancel: () => clock.clearTimeout(handle!) };
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
  flight: Flight,
  options: ResolvedLoadOptions,
  localStale: Entry | undefined,
): Promise<Entry> {
  if (options.softTimeoutMs <= 0 && options.hardTimeoutMs <= 0) return flight.promise;
  const fallback = () => {
    const now = stack.clock.now();
    if (isUsableStale(localStale, now)) return localStale;
    return isUsableStale(flight.stale, now) ? flight.stale : undefined;
  };
  if (options.softTimeoutMs > 0) {
    const t = timer(stack.clock, options.softTimeoutMs);
    const first = await Promise.race([flight.promise, t.promise]);
    t.cancel();
    if (first !== 'timeout') return first;
    const stale = fallback();
    if (stale) {
      stack.track(flight.promise);
      ns.stale++;
      stack.events.emit('stale', { namespace: ns.name, key, reason: 'soft-timeout' });
      return stale;
    }
  }
  if (options.hardTimeoutMs > 0) {
    const remaining = options.hardTimeoutMs - Math.max(options.softTimeoutMs, 0);
    const t = timer(stack.clock, Math.max(1, remaining));
    const result = await Promise.race([flight.promise, t.promise]);
    t.cancel();
    if (result !== 'timeout') return result;
    stack.track(flight.promise);
    const stale = fallback();
    if (stale) {
      ns.stale++;
      stack.events.emit('stale', { namespace: ns.name, key, reason: 'hard-timeout' });
      return stale;
    }
    throw new TimeoutError(
      `loader for key "${key}" did not finish within ${options.hardTimeoutMs}ms`,
      options.hardTimeoutMs,
    );
  }
  return flight.promise;
}
