import { type Clock, systemClock } from '../contracts/clock.js';

/** Reads of one cached time at most, so a long synchronous burst still sees time move. */
const MAX_READS = 1024;

/**
 * `clock.now` for hot paths that check expiry on every read (an L1 hit): on the system
 * clock, the time is read at most once per millisecond and reused, the way lru-cache's
 * `ttlResolution` does, instead of costing a `Date.now()` per read. The cached time is
 * dropped by a one-shot timer of the clock (armed only while reads happen, so an idle
 * process never wakes up for it) and after {@link MAX_READS} reads, so it lags the real
 * time by about a millisecond, and by no more than 1024 reads while the event loop is
 * blocked. Any other clock (a test's fake clock) is read every time: it is cheap and
 * moves only when its owner moves it.
 */
export function coarseNow(clock: Clock): () => number {
  if (clock !== systemClock) return () => clock.now();
  return coarseReader(Date.now, systemClock.setTimeout);
}

/**
 * The caching reader behind {@link coarseNow} on the system clock, with the time source
 * and the timer passed in so tests drive it with a fake clock. Internal: not exported
 * from the kit.
 *
 * @param read - reads the current time (`Date.now` in production)
 * @param setTimer - arms a one-shot timer (`systemClock.setTimeout` in production)
 */
export function coarseReader(
  read: () => number,
  setTimer: (callback: () => void, delayMs: number) => unknown,
): () => number {
  let cached = 0;
  let reads = 0;
  let armed = false;
  const expire = () => {
    armed = false;
    reads = 0;
  };
  return () => {
    if (reads > 0) {
      reads--;
      return cached;
    }
    cached = read();
    reads = MAX_READS;
    if (!armed) {
      armed = true;
      setTimer(expire, 1);
    }
    return cached;
  };
}
