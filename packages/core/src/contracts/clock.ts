/**
 * The one clock seam of cachestack. Every time reading and every timer in core and in the
 * satellites goes through a `Clock`, so tests drive TTLs, grace, breakers, deadlines,
 * refresh and rate-limit windows with a fake clock instead of sleeping
 * (`fakeClock()` from `@cachestack/testing`).
 */

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type ClockTimer = { readonly __clockTimer?: never } | object;

/** Time and timers, injected. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds: entry times, TTLs, expiries. */
  now(): number;
  /** Monotonic milliseconds for durations and deadlines; never goes backwards. */
  monotonic(): number;
  /**
   * Runs `callback` once after `delayMs`. Timers of the system clock are unref'd: a cache
   * never keeps a process alive by itself.
   */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  /** Cancels a timer from {@link Clock.setTimeout}; unknown or fired timers are ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/** The real clock: `Date.now`, `performance.now` and unref'd Node timers. */
export const systemClock: Clock = Object.freeze({
  now: Date.now,
  monotonic: () => performance.now(),
  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref?.();
    return timer;
  },
  clearTimeout(timer: ClockTimer): void {
    clearTimeout(timer as ReturnType<typeof setTimeout>);
  },
});

/** Whether `value` has the shape of a {@link Clock}. */
export function isClock(value: unknown): value is Clock {
  if (typeof value !== 'object' || value === null) return false;
  const clock = value as Record<string, unknown>;
  return (
    typeof clock.now === 'function' &&
    typeof clock.monotonic === 'function' &&
    typeof clock.setTimeout === 'function' &&
    typeof clock.clearTimeout === 'function'
  );
}
