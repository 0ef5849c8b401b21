import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../src/sequence-tracker.js';

describe('SequenceTracker', () => {
  it('takes the first number of a sender as its baseline, then flags repeats, gaps and late arrivals', () => {
    const t = new SequenceTracker();
    expect(t.observe('a', 10)).toEqual({ kind: 'new' });
    expect(t.observe('a', 11)).toEqual({ kind: 'new' });
    expect(t.observe('a', 11)).toEqual({ kind: 'duplicate' });
    expect(t.observe('a', 14)).toEqual({ kind: 'gap', missing: 2 });
    expect(t.observe('a', 12)).toEqual({ kind: 'late' });
    expect(t.observe('a', 12)).toEqual({ kind: 'duplicate' });
    expect(t.checkHigh('a', 14)).toBe(0);
    expect(t.checkHigh('a', 16)).toBe(2);
    expect(t.observe('a', 15)).toEqual({ kind: 'late' });
  });

  it('forgets the oldest sender beyond maxSenders', () => {
    const t = new SequenceTracker(16, 2);
    t.observe('a', 1);
    t.observe('b', 1);
    t.observe('c', 1); // evicts a
    expect(t.observe('a', 5)).toEqual({ kind: 'new' }); // a baseline again (evicts b)
    expect(t.observe('c', 3)).toEqual({ kind: 'gap', missing: 1 });
  });
});
