import { createLocalLocks, LockLostError, LockTimeoutError } from '@cachestack/locking';
import { createRateLimiter } from '@cachestack/ratelimit';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../src/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): {
  readonly settled: () => boolean;
  readonly promise: Promise<T>;
} {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  // The assertions await `promise`; this keeps an early rejection from being reported unhandled.
  tracked.catch(() => {});
  return { settled: () => settled, promise: tracked };
}

describe('fakeClock drives @cachestack/ratelimit windows (memory store)', () => {
  function limiter(options: Parameters<typeof createRateLimiter>[0]) {
    const created = createRateLimiter(options);
    closers.push(() => created.close());
    return created;
  }

  it('opens the next fixed window only when the clock reaches it', async () => {
    const clock = fakeClock({ now: 0 });
    const rl = limiter({ algorithm: 'fixed-window', limit: 2, windowMs: 1000, clock });
    expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(false);
    clock.advance(999);
    expect((await rl.check('u')).allowed).toBe(false);
    clock.advance(1);
    expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(false);
  });

  it('forgets a sliding-window-log request once the clock moves a window past it', async () => {
    const clock = fakeClock({ now: 0 });
    const rl = limiter({ algorithm: 'sliding-window-log', limit: 2, windowMs: 1000, clock });
    expect((await rl.check('u')).allowed).toBe(true); // at 0
    clock.advance(500);
    expect((await rl.check('u')).allowed).toBe(true); // at 500
    clock.advance(499);
    expect((await rl.check('u')).allowed).toBe(false); // at 999: both still in the window
    clock.advance(1);
    expect((await rl.check('u')).allowed).toBe(true); // at 1000: the first one left
    expect((await rl.check('u')).allowed).toBe(false);
  });

  it('refills a token bucket by the time the clock moved, no sleep', async () => {
    const clock = fakeClock({ now: 0 });
    const rl = limiter({ algorithm: 'token-bucket', limit: 10, windowMs: 1000, clock });
    for (let i = 0; i < 10; i++) expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(false);
    clock.advance(100); // one token back (10 per second)
    expect((await rl.check('u')).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(false);
  });

  it('waitUntilAllowed sleeps on the limiter clock: pending until the clock reaches the next window', async () => {
    const clock = fakeClock({ now: 0 });
    const rl = limiter({ algorithm: 'fixed-window', limit: 1, windowMs: 1000, clock });
    expect((await rl.check('u')).allowed).toBe(true);
    const wait = track(rl.waitUntilAllowed('u'));
    await clock.advanceAsync(999);
    expect(wait.settled()).toBe(false);
    await clock.advanceAsync(1);
    expect(wait.settled()).toBe(true);
    expect((await wait.promise).allowed).toBe(true);
    expect((await rl.check('u')).allowed).toBe(false);
  });
});

describe('fakeClock drives @cachestack/locking local leases and acquire timeouts', () => {
  function locks(options: Parameters<typeof createLocalLocks>[0]) {
    const created = createLocalLocks(options);
    closers.push(() => created.close());
    return created;
  }

  it('takes a lease away exactly when the clock passes it, and hands the key to the next caller', async () => {
    const clock = fakeClock({ now: 0 });
    const local = locks({ clock, leaseMs: 1000 });
    const lock = await local.acquire('job');
    const next = track(local.acquire('job', { acquireTimeoutMs: 5000 }));
    clock.advance(999);
    expect(lock.held).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    expect(next.settled()).toBe(false);
    clock.advance(1);
    expect(lock.held).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
    const second = await next.promise;
    expect(second.held).toBe(true);
    expect(second.fencingToken).toBeGreaterThan(lock.fencingToken);
    await second.release();
  });

  it('times out a waiter when the clock reaches acquireTimeoutMs, never on real time', async () => {
    const clock = fakeClock({ now: 0 });
    const local = locks({ clock, leaseMs: Number.POSITIVE_INFINITY });
    const holder = await local.acquire('job');
    const waiter = track(local.acquire('job', { acquireTimeoutMs: 500 }));
    await clock.advanceAsync(499);
    expect(waiter.settled()).toBe(false);
    await clock.advanceAsync(1);
    expect(waiter.settled()).toBe(true);
    await expect(waiter.promise).rejects.toBeInstanceOf(LockTimeoutError);
    expect(holder.held).toBe(true);
    await holder.release();
  });
});
