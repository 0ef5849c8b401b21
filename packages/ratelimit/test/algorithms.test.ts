import { describe, expect, it } from 'vitest';
import { createRateLimiter, MemoryStore } from '../src/index.js';
import { type Admitted, ALGORITHMS, admits, prng, remaining, step } from './reference.js';

describe.each(ALGORITHMS)('%s on the memory store', (algorithm) => {
  const L = 7;
  const W = 1000;

  it('decides like the reference model at and around window edges, with exact remaining, reset and retry', async () => {
    let t = 1_700_000_000_000;
    const limiter = createRateLimiter({ algorithm, limit: L, windowMs: W, now: () => t });
    const rand = prng(42);
    const history: Admitted[] = [];
    let rejected = 0;
    let admitted = 0;
    for (let i = 0; i < 600; i++) {
      t += step(rand, W, t);
      const cost = rand() < 0.8 ? 1 : 1 + Math.floor(rand() * 3);
      const expected = admits(algorithm, L, W, history, t, cost);
      const d = await limiter.check('k', { cost });
      expect(d.allowed, `step ${i} t=${t} cost=${cost}`).toBe(expected);
      if (d.allowed) {
        history.push({ t, cost });
        admitted++;
        expect(d.retryAfterMs).toBe(0);
      } else {
        rejected++;
        // The earliest admission time is exactly t + retryAfterMs.
        expect(d.retryAfterMs).toBeGreaterThan(0);
        expect(admits(algorithm, L, W, history, t + d.retryAfterMs, cost)).toBe(true);
        expect(admits(algorithm, L, W, history, t + d.retryAfterMs - 1, cost)).toBe(false);
      }
      expect(d.remaining).toBe(remaining(algorithm, L, W, history, t));
      // The quota is whole again exactly resetMs later.
      expect(remaining(algorithm, L, W, history, t + d.resetMs)).toBe(L);
      if (d.resetMs > 0)
        expect(remaining(algorithm, L, W, history, t + d.resetMs - 1)).toBeLessThan(L);
    }
    expect(admitted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  });

  it('refunds units with a negative cost', async () => {
    let t = 1_000_000;
    const limiter = createRateLimiter({ algorithm, limit: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) expect((await limiter.check('r')).allowed).toBe(true);
    expect((await limiter.check('r')).allowed).toBe(false);
    const refund = await limiter.check('r', { cost: -2 });
    expect(refund.allowed).toBe(true);
    expect(refund.remaining).toBe(2);
    t += 1;
    expect((await limiter.check('r')).allowed).toBe(true);
    expect((await limiter.check('r')).allowed).toBe(true);
    expect((await limiter.check('r')).allowed).toBe(false);
  });

  it('peek reports the decision without consuming and reset forgets the key', async () => {
    const t = 5_000_000;
    const limiter = createRateLimiter({ algorithm, limit: 2, windowMs: 10_000, now: () => t });
    expect((await limiter.peek('p')).remaining).toBe(1);
    expect((await limiter.peek('p')).remaining).toBe(1);
    await limiter.check('p');
    await limiter.check('p');
    const blocked = await limiter.peek('p');
    expect(blocked.allowed).toBe(false);
    await limiter.reset('p');
    expect((await limiter.check('p')).remaining).toBe(1);
  });
});

describe('memory store bounds', () => {
  it('keeps at most maxKeys states, dropping the least recently written', async () => {
    const t = 1_000;
    const store = new MemoryStore({ maxKeys: 100, now: () => t });
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, store, now: () => t });
    for (let i = 0; i < 1000; i++) await limiter.check(`k${i}`);
    expect(store.size).toBe(100);
    expect((await limiter.check('k999')).allowed).toBe(false);
    expect((await limiter.check('k0')).allowed).toBe(true);
  });

  it('drops expired states as it writes, without timers', async () => {
    let t = 1_000;
    const store = new MemoryStore({ now: () => t });
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, store, now: () => t });
    for (let i = 0; i < 50; i++) await limiter.check(`k${i}`);
    t += 5000;
    for (let i = 0; i < 50; i++) await limiter.check(`fresh${i}`);
    expect(store.size).toBe(50);
  });

  it('blocks a key for blockDurationMs after a rejection', async () => {
    let t = 0;
    const limiter = createRateLimiter({
      limit: 1,
      windowMs: 1000,
      blockDurationMs: 5000,
      now: () => t,
    });
    await limiter.check('b');
    const d = await limiter.check('b');
    expect(d.allowed).toBe(false);
    expect(d.retryAfterMs).toBe(5000);
    t = 2000; // a new window, but still blocked
    const still = await limiter.check('b');
    expect(still.allowed).toBe(false);
    expect(still.retryAfterMs).toBe(3000);
    t = 5000;
    expect((await limiter.check('b')).allowed).toBe(true);
  });
});
