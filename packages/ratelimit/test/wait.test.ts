import type { Clock, ClockTimer } from '@cachestack/core';
import { InvalidOptionError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';

/** A manual clock: timers fire only when the test advances time. */
function manualClock(start = 1_000_000) {
  let time = start;
  const timers = new Set<{ at: number; run: () => void }>();
  const clock: Clock = {
    now: () => time,
    monotonic: () => time,
    setTimeout(run, delayMs): ClockTimer {
      const timer = { at: time + delayMs, run };
      timers.add(timer);
      return timer;
    },
    clearTimeout(timer) {
      timers.delete(timer as { at: number; run: () => void });
    },
  };
  return {
    clock,
    pending: () => timers.size,
    advance(ms: number) {
      time += ms;
      for (const timer of [...timers]) {
        if (timer.at <= time) {
          timers.delete(timer);
          timer.run();
        }
      }
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('waitUntilAllowed', () => {
  it('sleeps exactly the retry time on the clock, then consumes and resolves the admission', async () => {
    const fake = manualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, clock: fake.clock });
    await limiter.check('w');
    let done = false;
    const waiting = limiter.waitUntilAllowed('w').then((d) => {
      done = true;
      return d;
    });
    await settle();
    expect(fake.pending()).toBe(1);
    fake.advance(999);
    await settle();
    expect(done).toBe(false);
    fake.advance(1);
    const decision = await waiting;
    expect(decision).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.peek('w')).allowed).toBe(false);
  });

  it('returns the rejection at once when the wait would exceed maxWaitMs', async () => {
    const fake = manualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, clock: fake.clock });
    await limiter.check('m');
    const decision = await limiter.waitUntilAllowed('m', { maxWaitMs: 5_000 });
    expect(decision.allowed).toBe(false);
    expect(decision.retryAfterMs).toBeGreaterThan(5_000);
    expect(fake.pending()).toBe(0);
  });

  it('rejects with the signal reason when aborted, and consumes nothing', async () => {
    const fake = manualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, clock: fake.clock });
    await limiter.check('a');
    const controller = new AbortController();
    const waiting = limiter.waitUntilAllowed('a', { signal: controller.signal });
    await settle();
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(fake.pending()).toBe(0);
    fake.advance(1000);
    expect((await limiter.peek('a')).allowed).toBe(true); // nothing was consumed by the wait
  });

  it('refuses a negative maxWaitMs with a typed error', async () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000 });
    await expect(limiter.waitUntilAllowed('x', { maxWaitMs: -1 })).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
  });
});
