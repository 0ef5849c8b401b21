import { type Clock, systemClock } from '../contracts/clock.js';

/**
 * A {@link Clock} that reads `now` for both wall and monotonic time and uses the system's
 * timers: for components whose only time option is a `now` function, so a test's fake
 * `now` also moves their breakers and deadlines.
 */
export function clockFromNow(now: () => number): Clock {
  return {
    now,
    monotonic: now,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
  };
}
