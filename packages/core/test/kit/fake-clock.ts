import type { Clock, ClockTimer } from '../../src/contracts/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** A minimal manual clock for the kit tests: time moves only through `advance`. */
export function manualClock(start = 1_700_000_000_000) {
  let wall = start;
  let mono = 0;
  let seq = 0;
  const timers = new Set<Timer>();
  const clock: Clock & { advance(ms: number): void; readonly pending: number } = {
    now: () => wall,
    monotonic: () => mono,
    setTimeout(callback: () => void, delayMs: number): ClockTimer {
      const timer: Timer = { at: mono + Math.max(0, delayMs), seq: seq++, callback };
      timers.add(timer);
      return timer;
    },
    clearTimeout(timer: ClockTimer): void {
      timers.delete(timer as Timer);
    },
    /** Moves time forward, firing due timers in order (timers they set fire too). */
    advance(ms: number): void {
      const target = mono + ms;
      for (;;) {
        let next: Timer | undefined;
        for (const timer of timers) {
          if (timer.at > target) continue;
          if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) {
            next = timer;
          }
        }
        if (!next) break;
        timers.delete(next);
        wall += next.at - mono;
        mono = next.at;
        next.callback();
      }
      wall += target - mono;
      mono = target;
    },
    get pending() {
      return timers.size;
    },
  };
  return clock;
}

/** Lets settled promises run their callbacks. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
