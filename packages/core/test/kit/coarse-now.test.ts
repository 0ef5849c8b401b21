import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { coarseNow, systemClock } from '../../src/kit/index.js';

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin: the event loop is blocked on purpose
  }
}

describe('coarseNow', () => {
  it('reads any clock other than the system clock every time', () => {
    const clock = fakeClock();
    const now = coarseNow(clock);
    const t0 = now();
    expect(t0).toBe(clock.now());
    clock.advance(1);
    expect(now()).toBe(t0 + 1);
    clock.advance(250);
    expect(now()).toBe(t0 + 251);
  });

  it('never runs ahead of the system clock and follows it once the timer ran', async () => {
    const now = coarseNow(systemClock);
    const before = Date.now();
    const first = now();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now());
    busyWait(3);
    // Cached while the loop is blocked (within the read budget) ...
    expect(now()).toBe(first);
    // ... and fresh once the one-shot timer had its turn.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = now();
    expect(later).toBeGreaterThan(first);
    expect(later).toBeLessThanOrEqual(Date.now());
  });

  it('rereads the system clock after 1024 reads even while the event loop is blocked', () => {
    const now = coarseNow(systemClock);
    const first = now();
    busyWait(3);
    let last = first;
    for (let i = 0; i < 1025; i++) last = now();
    expect(last).toBeGreaterThan(first);
  });
});
