import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../src/deadlines.js';

describe('Deadlines', () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function advance(ms: number): void {
    now += ms;
    vi.advanceTimersByTime(ms);
  }

  it('expires each unsettled call at its own deadline, in start order', () => {
    const deadlines = new Deadlines(100, () => now);
    const expired: string[] = [];
    deadlines.start(() => expired.push('a'));
    advance(30);
    const b = deadlines.start(() => expired.push('b'));
    advance(30);
    deadlines.start(() => expired.push('c'));
    expect(deadlines.settle(b)).toBe(true);
    advance(39);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual(['a']);
    advance(59);
    expect(expired).toEqual(['a']);
    advance(1);
    expect(expired).toEqual(['a', 'c']);
    expect(deadlines.size).toBe(0);
  });

  it('never expires a settled call, and refuses to settle an expired one', () => {
    const deadlines = new Deadlines(50, () => now);
    let fired = 0;
    const a = deadlines.start(() => fired++);
    expect(deadlines.settle(a)).toBe(true);
    expect(deadlines.settle(a)).toBe(false);
    advance(100);
    expect(fired).toBe(0);
    const b = deadlines.start(() => fired++);
    advance(50);
    expect(fired).toBe(1);
    expect(deadlines.settle(b)).toBe(false);
  });

  it('keeps its queue short when calls settle in order', () => {
    const deadlines = new Deadlines(1000, () => now);
    for (let i = 0; i < 10_000; i++) deadlines.settle(deadlines.start(() => {}));
    expect(deadlines.size).toBe(0);
    const pending = Array.from({ length: 5000 }, () => deadlines.start(() => {}));
    for (const entry of pending.slice(0, 4000)) deadlines.settle(entry);
    expect(deadlines.size).toBe(1000);
  });
});
