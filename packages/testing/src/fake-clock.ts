import { type Clock, type ClockTimer, InvalidOptionError } from '@cachestack/core';

/** Options of {@link fakeClock}. */
export interface FakeClockOptions {
  /** Wall-clock start, epoch ms. @defaultValue 1_700_000_000_000 (Nov 2023) */
  readonly now?: number;
}

/**
 * A {@link Clock} that only moves when told to. Pass it where core and the satellites take
 * a clock (or its `now` where they take `now: () => number`); `advance(ms)` then drives
 * TTLs, grace, breakers, deadlines, refresh and rate-limit windows without sleeping.
 * Methods are bound: `const { now } = clock` works.
 */
export interface FakeClock extends Clock {
  /**
   * Moves both clocks forward by `ms`, running every timer that falls due, in due order
   * (ties in creation order), each seeing the time it was due at. Timers a callback sets
   * run too when they fall due within the step.
   */
  advance(ms: number): void;
  /**
   * Like {@link FakeClock.advance}, and lets promise callbacks run after each timer, so
   * timers set by `await` continuations within the step fire too.
   */
  advanceAsync(ms: number): Promise<void>;
  /** Runs every pending timer (and those they set), advancing time to each; returns how many ran. */
  runAll(limit?: number): number;
  /**
   * Sets the wall clock (`now`) to `epochMs`, forwards or backwards, as an NTP step does.
   * Monotonic time and timers are not affected.
   */
  set(epochMs: number): void;
  /** Timers waiting to fire. */
  readonly pending: number;
}

interface Timer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

class ManualClock implements FakeClock {
  #wall: number;
  #mono = 0;
  #seq = 0;
  /** Kept sorted by (dueAt, id). */
  readonly #timers: Timer[] = [];

  constructor(start: number) {
    this.#wall = start;
    // Bound once so the methods can be passed around (`now: clock.now`).
    this.now = this.now.bind(this);
    this.monotonic = this.monotonic.bind(this);
    this.setTimeout = this.setTimeout.bind(this);
    this.clearTimeout = this.clearTimeout.bind(this);
    this.advance = this.advance.bind(this);
    this.advanceAsync = this.advanceAsync.bind(this);
    this.runAll = this.runAll.bind(this);
    this.set = this.set.bind(this);
  }

  now(): number {
    return this.#wall;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    if (typeof callback !== 'function') {
      throw new InvalidOptionError('callback', 'must be a function');
    }
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer: Timer = { id: ++this.#seq, dueAt: this.#mono + delay, callback };
    let at = this.#timers.length;
    while (at > 0 && this.#timers[at - 1]!.dueAt > timer.dueAt) at--;
    this.#timers.splice(at, 0, timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    const at = this.#timers.indexOf(timer as Timer);
    if (at >= 0) this.#timers.splice(at, 1);
  }

  get pending(): number {
    return this.#timers.length;
  }

  set(epochMs: number): void {
    if (!Number.isFinite(epochMs))
      throw new InvalidOptionError('epochMs', 'must be a finite number');
    this.#wall = epochMs;
  }

  advance(ms: number): void {
    const end = this.#mono + checkStep(ms);
    while (this.#runNext(end)) {
      // each timer runs at its due time
    }
    this.#moveTo(end);
  }

  async advanceAsync(ms: number): Promise<void> {
    const end = this.#mono + checkStep(ms);
    await settle();
    while (this.#runNext(end)) await settle();
    this.#moveTo(end);
    await settle();
  }

  runAll(limit = 10_000): number {
    let ran = 0;
    while (this.#timers.length > 0) {
      if (ran >= limit) {
        throw new InvalidOptionError(
          'limit',
          `more than ${limit} timers ran: a timer keeps re-arming itself`,
        );
      }
      this.#runNext(Number.POSITIVE_INFINITY);
      ran++;
    }
    return ran;
  }

  /** Runs the first timer due by `end`; false when none is. */
  #runNext(end: number): boolean {
    const next = this.#timers[0];
    if (next === undefined || next.dueAt > end) return false;
    this.#timers.shift();
    this.#moveTo(next.dueAt);
    next.callback();
    return true;
  }

  #moveTo(mono: number): void {
    if (mono <= this.#mono) return;
    this.#wall += mono - this.#mono;
    this.#mono = mono;
  }
}

function checkStep(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError('ms', 'must be a finite number >= 0');
  }
  return ms;
}

/** Lets pending promise callbacks (and I/O callbacks already queued) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Creates a {@link FakeClock} starting at `options.now` (wall) and 0 (monotonic).
 * @throws InvalidOptionError when `now` is not a finite number.
 */
export function fakeClock(options: FakeClockOptions = {}): FakeClock {
  const start = options.now ?? 1_700_000_000_000;
  if (typeof start !== 'number' || !Number.isFinite(start)) {
    throw new InvalidOptionError('now', 'must be a finite epoch ms');
  }
  return new ManualClock(start);
}
