import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { DeadlineSet, type Expiring } from '../../src/kit/index.js';

function item(deadline: number, log: number[]): Expiring {
  return { deadline, expire: () => log.push(deadline) };
}

describe('DeadlineSet', () => {
  it('expires items of different lengths in deadline order on one timer', () => {
    const clock = fakeClock();
    const set = new DeadlineSet(clock);
    const expired: number[] = [];
    set.add(item(300, expired));
    set.add(item(100, expired));
    set.add(item(200, expired));
    expect(clock.pending).toBe(1);
    clock.advance(150);
    expect(expired).toEqual([100]);
    clock.advance(100);
    expect(expired).toEqual([100, 200]);
    clock.advance(100);
    expect(expired).toEqual([100, 200, 300]);
    expect(set.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('never expires an item deleted before its deadline', () => {
    const clock = fakeClock();
    const set = new DeadlineSet(clock);
    const expired: number[] = [];
    const lease = item(100, expired);
    set.add(lease);
    set.delete(lease);
    clock.advance(500);
    expect(expired).toEqual([]);
  });

  it('expires an item whose deadline was extended while it was watched only at the new deadline', () => {
    const clock = fakeClock();
    const set = new DeadlineSet(clock);
    const expired: number[] = [];
    const lease: Expiring = { deadline: 100, expire: () => expired.push(clock.monotonic()) };
    set.add(lease);
    clock.advance(50);
    lease.deadline = 250;
    clock.advance(100); // the timer fires at 100, finds nothing due, waits for 250
    expect(expired).toEqual([]);
    clock.advance(100);
    expect(expired).toEqual([250]);
  });

  it('clear stops watching everything and cancels the timer', () => {
    const clock = fakeClock();
    const set = new DeadlineSet(clock);
    const expired: number[] = [];
    set.add(item(100, expired));
    set.clear();
    expect(clock.pending).toBe(0);
    clock.advance(200);
    expect(expired).toEqual([]);
  });
});
