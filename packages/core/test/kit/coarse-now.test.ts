import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { coarseReader } from '../../src/kit/coarse-now.js';
import { coarseNow, systemClock } from '../../src/kit/index.js';

/** The system clock's caching reader, driven by a fake clock instead of Date.now. */
function fakeCoarse() {
  const clock = fakeClock();
  return { clock, now: coarseReader(clock.now, clock.setTimeout) };
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

  it('on the system clock, never runs ahead of Date.now', () => {
    const now = coarseNow(systemClock);
    const before = Date.now();
    const first = now();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now());
  });

  it('keeps the time cached while the event loop is blocked and follows the clock once the timer ran', () => {
    const { clock, now } = fakeCoarse();
    const first = now();
    expect(first).toBe(clock.now());
    // Time moves but no timer runs: the loop is blocked.
    clock.set(first + 3);
    expect(now()).toBe(first);
    // The one-shot timer has its turn.
    clock.advance(1);
    const later = now();
    expect(later).toBe(first + 4);
    expect(later).toBe(clock.now());
  });

  it('rereads the clock after 1024 reads even while the event loop is blocked', () => {
    const { clock, now } = fakeCoarse();
    const first = now();
    clock.set(first + 3);
    for (let i = 0; i < 1024; i++) expect(now()).toBe(first);
    expect(now()).toBe(first + 3);
  });

  it('arms one timer per cached time and none while nobody reads', () => {
    const { clock, now } = fakeCoarse();
    now();
    now();
    expect(clock.pending).toBe(1);
    clock.advance(1);
    expect(clock.pending).toBe(0);
    clock.advance(100);
    expect(clock.pending).toBe(0);
    now();
    expect(clock.pending).toBe(1);
  });
});
