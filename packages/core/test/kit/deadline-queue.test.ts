import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/contracts/errors.js';
import { DeadlineQueue } from '../../src/kit/index.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DeadlineQueue', () => {
  it('rejects a call that does not answer within the timeout with a TimeoutError', async () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(100, { clock, what: 'L2 memory' });
    const call = queue.run(new Promise<never>(() => {}), 'get');
    const outcome = call.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    clock.advance(99);
    await flush();
    expect(queue.size).toBe(1);
    clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('L2 memory get did not finish within 100ms');
    expect((error as TimeoutError).code).toBe('CACHESTACK_TIMEOUT');
    expect(queue.size).toBe(0);
  });

  it('passes answers and errors through before the deadline and leaves no timer behind', async () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(100, { clock });
    await expect(queue.run(Promise.resolve(7), 'get')).resolves.toBe(7);
    await expect(queue.run(Promise.reject(new Error('down')), 'set')).rejects.toThrow('down');
    expect(queue.size).toBe(0);
    clock.advance(1_000);
    expect(clock.pending).toBe(0);
  });

  it('keeps one timer for many calls and expires each at its own deadline', async () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(100, { clock });
    const expired: string[] = [];
    const first = queue.start('a', () => expired.push('a'));
    clock.advance(30);
    queue.start('b', () => expired.push('b'));
    clock.advance(30);
    queue.start('c', () => expired.push('c'));
    expect(clock.pending).toBe(1);
    expect(queue.settle(first)).toBe(true);
    clock.advance(40); // t=100: a would expire now, but it was answered
    expect(expired).toEqual([]);
    clock.advance(30); // t=130: b
    expect(expired).toEqual(['b']);
    clock.advance(30); // t=160: c
    expect(expired).toEqual(['b', 'c']);
    expect(clock.pending).toBe(0);
  });

  it('reports an answer after the deadline as too late', () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(10, { clock });
    const deadline = queue.start('get', () => {});
    clock.advance(10);
    expect(deadline.settled).toBe(true);
    expect(queue.settle(deadline)).toBe(false);
  });

  it('passes promises through untouched without a positive timeout', () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(0, { clock });
    const promise = Promise.resolve(1);
    expect(queue.run(promise, 'get')).toBe(promise);
    expect(clock.pending).toBe(0);
  });

  it('clear forgets waiting calls without expiring them and cancels the timer', () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(10, { clock });
    let expired = 0;
    queue.start('get', () => expired++);
    queue.clear();
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(expired).toBe(0);
    expect(queue.size).toBe(0);
  });

  it('keeps its queue short when calls settle in order', () => {
    const queue = new DeadlineQueue(1_000, { clock: fakeClock() });
    for (let i = 0; i < 10_000; i++) queue.settle(queue.start('get', () => {}));
    expect(queue.size).toBe(0);
    const pending = Array.from({ length: 5_000 }, () => queue.start('get', () => {}));
    for (const entry of pending.slice(0, 4_000)) queue.settle(entry);
    expect(queue.size).toBe(1_000);
  });
  it('a deadline callback may start and settle calls: each expires once, on one timer', () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(100, { clock });
    const expired: string[] = [];
    let late: ReturnType<DeadlineQueue['start']> | undefined;
    queue.start('a', () => {
      expired.push('a');
      // Started from inside the timer callback, like a retry after a timeout.
      queue.start('retry', () => expired.push('retry'));
      if (late !== undefined) queue.settle(late);
    });
    late = queue.start('b', () => expired.push('b'));
    clock.advance(100);
    expect(expired).toEqual(['a']);
    expect(clock.pending).toBe(1);
    clock.advance(100);
    expect(expired).toEqual(['a', 'retry']);
    expect(clock.pending).toBe(0);
    expect(queue.size).toBe(0);
  });

  it('drops a settled call’s callback even while an older call still waits', () => {
    const clock = fakeClock();
    const queue = new DeadlineQueue(100, { clock });
    const calls: string[] = [];
    const callback = () => calls.push('fast');
    queue.start('slow', () => calls.push('slow'));
    const fast = queue.start('fast', callback);
    expect(fast.expire).toBe(callback);
    queue.settle(fast);
    // Queued behind `slow`, but it no longer holds its caller's callback (and promise).
    expect(fast.expire).not.toBe(callback);
    expect(queue.size).toBe(1);
    clock.advance(100);
    expect(calls).toEqual(['slow']);
  });
});
