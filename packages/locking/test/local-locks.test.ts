import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ClosedError, isCacheStackError } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalLocks,
  type LocalLocks,
  LockLostError,
  LockNotHeldError,
  LockTimeoutError,
} from '../src/index.js';
import { FakeClock, flush } from './fake-clock.js';

let locks: LocalLocks | undefined;
afterEach(async () => {
  await locks?.close();
  locks = undefined;
});

function setup(options: { acquireTimeoutMs?: number; leaseMs?: number } = {}) {
  const clock = new FakeClock();
  locks = createLocalLocks({ clock, ...options });
  return { clock, locks };
}

describe('LocalLocks', () => {
  it('grants waiters of one key in FIFO order', async () => {
    const { locks } = setup();
    const order: number[] = [];
    const first = await locks.acquire('k');
    const waiters = [1, 2, 3, 4, 5].map((n) =>
      locks.withLock('k', async () => {
        order.push(n);
        await flush();
      }),
    );
    await first.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('never lets two holders of one key overlap', async () => {
    const { locks } = setup();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        locks.withLock('k', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await flush();
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it('lets different keys proceed independently', async () => {
    const { locks } = setup();
    const a = await locks.acquire('a');
    const b = await locks.acquire('b');
    expect(a.held && b.held).toBe(true);
  });

  it('rejects a waiter with a typed timeout error after acquireTimeoutMs', async () => {
    const { clock, locks } = setup();
    await locks.acquire('k');
    const waiting = locks.acquire('k', { acquireTimeoutMs: 100 });
    const outcome = waiting.then(
      () => 'acquired',
      (e: unknown) => e,
    );
    await clock.advance(99);
    expect(locks.stats().waiters).toBe(1);
    await clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(isCacheStackError(error, 'CACHESTACK_LOCK_TIMEOUT')).toBe(true);
    expect(locks.stats()).toMatchObject({ timeouts: 1, waiters: 0, holders: 1 });
  });

  it('a timed-out waiter does not block the waiters behind it', async () => {
    const { clock, locks } = setup();
    const holder = await locks.acquire('k');
    const impatient = locks.acquire('k', { acquireTimeoutMs: 10 }).catch((e: unknown) => e);
    const patient = locks.acquire('k', { acquireTimeoutMs: 1000 });
    await clock.advance(10);
    expect(await impatient).toBeInstanceOf(LockTimeoutError);
    await holder.release();
    const lock = await patient;
    expect(lock.held).toBe(true);
  });

  it('takes the lock from a holder that exceeds its lease, fires its signal and lets the next waiter in', async () => {
    const { clock, locks } = setup();
    const hung = await locks.acquire('k', { leaseMs: 500 });
    const next = locks.acquire('k', { acquireTimeoutMs: 10_000 });
    await clock.advance(499);
    expect(hung.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(hung.signal.aborted).toBe(true);
    expect(hung.signal.reason).toBeInstanceOf(LockLostError);
    expect((hung.signal.reason as LockLostError).code).toBe('CACHESTACK_LOCK_LOST');
    const lock = await next;
    expect(lock.held).toBe(true);
    expect(hung.held).toBe(false);
    // The stale holder's late release must not free the new holder's lock.
    await hung.release();
    expect(locks.isLocked('k')).toBe(true);
    expect(locks.stats().leaseExpiries).toBe(1);
  });

  it('withLock rejects with LockLostError when the lease expired while fn ran', async () => {
    const { clock, locks } = setup();
    const run = locks
      .withLock(
        'k',
        (lock) =>
          new Promise<string>((resolve) => {
            lock.signal.addEventListener('abort', () => resolve('saw abort'));
          }),
        { leaseMs: 100 },
      )
      .catch((e: unknown) => e);
    await flush();
    await clock.advance(100);
    expect(await run).toBeInstanceOf(LockLostError);
  });

  it('extend restarts the lease; extend after loss throws LockNotHeldError', async () => {
    const { clock, locks } = setup();
    const lock = await locks.acquire('k', { leaseMs: 100 });
    await clock.advance(90);
    lock.extend();
    await clock.advance(90);
    expect(lock.held).toBe(true);
    await clock.advance(10);
    expect(lock.held).toBe(false);
    expect(() => lock.extend()).toThrow(LockNotHeldError);
  });

  it('an aborted signal removes the waiter and rejects with its reason', async () => {
    const { locks } = setup();
    await locks.acquire('k');
    const controller = new AbortController();
    const waiting = locks.acquire('k', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('caller gave up'));
    expect(((await waiting) as Error).message).toBe('caller gave up');
    expect(locks.stats().waiters).toBe(0);
  });

  it('acquires several keys in sorted order, so {a,b} and {b,a} never deadlock', async () => {
    const { locks } = setup({ acquireTimeoutMs: 1000 });
    const done: string[] = [];
    const runs: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      runs.push(
        locks.withLock(i % 2 ? ['a', 'b'] : ['b', 'a'], async (lock) => {
          expect(lock.keys).toEqual(['a', 'b']);
          await flush();
          done.push(lock.resource);
        }),
      );
    }
    await Promise.all(runs);
    expect(done).toHaveLength(100);
    expect(locks.stats().timeouts).toBe(0);
    expect(locks.size).toBe(0);
  });

  it('a multi-key waiter that times out gives back the keys it already took', async () => {
    const { clock, locks } = setup();
    const b = await locks.acquire('b');
    const both = locks.acquire(['a', 'b'], { acquireTimeoutMs: 50 }).catch((e: unknown) => e);
    await flush();
    expect(locks.isLocked('a')).toBe(true);
    await clock.advance(50);
    expect(await both).toBeInstanceOf(LockTimeoutError);
    expect(locks.isLocked('a')).toBe(false);
    await b.release();
    expect(locks.size).toBe(0);
  });

  it('removes idle keys: no growth with many distinct keys', async () => {
    const { clock, locks } = setup();
    for (let i = 0; i < 10_000; i++) {
      await locks.withLock(`key-${i}`, () => undefined);
    }
    expect(locks.size).toBe(0);
    // One shared deadline timer at most, not one per key.
    expect(clock.pending).toBeLessThanOrEqual(1);
    expect(locks.stats()).toMatchObject({ acquisitions: 10_000, holders: 0, waiters: 0 });
  });

  it('counts acquisitions, contention and wait time', async () => {
    const { clock, locks } = setup();
    const first = await locks.acquire('k');
    const second = locks.acquire('k');
    await clock.advance(40);
    await first.release();
    await (await second).release();
    expect(locks.stats()).toEqual({
      acquisitions: 2,
      contendedAcquisitions: 1,
      waitTimeMs: 40,
      timeouts: 0,
      leaseExpiries: 0,
      holders: 0,
      waiters: 0,
    });
  });

  it('publishes acquire, release and lost messages only to subscribers', async () => {
    const { clock, locks } = setup();
    const seen: string[] = [];
    const onAcquire = (m: unknown) => seen.push(`acquire:${(m as { resource: string }).resource}`);
    const onLost = (m: unknown) => seen.push(`lost:${(m as { resource: string }).resource}`);
    subscribe('cachestack:locking:acquire', onAcquire);
    subscribe('cachestack:locking:lost', onLost);
    try {
      await locks.acquire('x', { leaseMs: 10 });
      await clock.advance(10);
    } finally {
      unsubscribe('cachestack:locking:acquire', onAcquire);
      unsubscribe('cachestack:locking:lost', onLost);
    }
    expect(seen).toEqual(['acquire:x', 'lost:x']);
  });

  it('implements core Locker: acquire(resource, { timeoutMs, leaseMs })', async () => {
    const { clock, locks } = setup();
    await locks.acquire('r', { timeoutMs: 1000, leaseMs: 1000 });
    const waiting = locks.acquire('r', { timeoutMs: 5, leaseMs: 1000 }).catch((e: unknown) => e);
    await clock.advance(5);
    expect(await waiting).toBeInstanceOf(LockTimeoutError);
  });

  it('close rejects waiters, aborts holders and refuses new acquisitions', async () => {
    const { locks } = setup();
    const held = await locks.acquire('k');
    const waiting = locks.acquire('k').catch((e: unknown) => e);
    await locks.close();
    await locks.close();
    expect(await waiting).toBeInstanceOf(ClosedError);
    expect(held.signal.aborted).toBe(true);
    await expect(locks.acquire('k')).rejects.toBeInstanceOf(ClosedError);
  });

  it('rejects invalid options with a typed error', async () => {
    const { locks } = setup();
    await expect(locks.acquire('k', { leaseMs: -1 })).rejects.toMatchObject({
      code: 'CACHESTACK_INVALID_OPTION',
    });
    expect(() => createLocalLocks({ acquireTimeoutMs: 0 })).toThrow(/acquireTimeoutMs/);
  });
});
