/** Time seam: every time read and timer of this package goes through a {@link Clock}. */
import type { ClockTimer, Clock as CoreClock } from '@cachestack/core/kit';

/** A timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** Time source and timers, injectable so tests can use a fake clock. */
export interface Clock {
  /** Milliseconds, monotonic enough for durations (epoch or `performance.now()`). */
  now(): number;
  /** Schedules `fn` after `ms`. The timer must not keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    // Whole milliseconds: Node keeps one timer list per distinct duration, and a
    // fractional one costs a new list each time.
    const handle = setTimeout(fn, Math.ceil(ms));
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Resolves after `ms` on `clock`, or early when `wake` is called or `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The same clock as core's `Clock`, for the kit's `DeadlineSet`: lock deadlines are
 * `clock.now()` times, so `now()` serves as its monotonic time.
 */
export function toCoreClock(clock: Clock): CoreClock {
  return {
    now: () => clock.now(),
    monotonic: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms) as ClockTimer,
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}
