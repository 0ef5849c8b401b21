import { describe, expect, it } from 'vitest';
import {
  type Algorithm,
  createRateLimiter,
  MemoryStore,
  rateLimitHeaders,
  ruleHorizonMs,
} from '../src/index.js';
import { type Admitted, admits, prng, remaining, step, VARIANTS } from './reference.js';

describe.each(VARIANTS)('$label on the memory store', ({ rule, shape }) => {
  const algorithm = rule.algorithm as Algorithm;
  const L = rule.limit;
  const W = rule.windowMs;
  const C = shape.burst ?? L;

  it('decides like the reference model at and around window edges, with exact remaining, reset and retry', async () => {
    let t = 1_700_000_000_000;
    const limiter = createRateLimiter({ rules: [rule], now: () => t });
    const rand = prng(42);
    const history: Admitted[] = [];
    let rejected = 0;
    let admitted = 0;
    for (let i = 0; i < 600; i++) {
      t += step(rand, W, t);
      const cost = rand() < 0.8 ? 1 : 1 + Math.floor(rand() * Math.min(3, C));
      const expected = admits(algorithm, L, W, history, t, cost, shape);
      const d = await limiter.check('k', { cost });
      const at = `step ${i} t=${t} cost=${cost}`;
      expect(d.allowed, at).toBe(expected);
      if (d.allowed) {
        history.push({ t, cost });
        admitted++;
        expect(d.retryAfterMs).toBe(0);
      } else {
        rejected++;
        // The earliest admission time is exactly t + retryAfterMs, and resetMs says the same.
        expect(d.retryAfterMs).toBeGreaterThan(0);
        expect(d.resetMs, at).toBe(d.retryAfterMs);
        expect(admits(algorithm, L, W, history, t + d.retryAfterMs, cost, shape)).toBe(true);
        expect(admits(algorithm, L, W, history, t + d.retryAfterMs - 1, cost, shape)).toBe(false);
      }
      const left = remaining(algorithm, L, W, history, t, shape);
      expect(d.remaining, at).toBe(left);
      if (!d.allowed) continue;
      if (d.resetMs === 0) {
        expect(d.remaining, at).toBe(C);
      } else if (algorithm === 'sliding-window-counter' && d.resetMs === W) {
        // Capped: a counter lets units fade only after the next window edge.
        expect(remaining(algorithm, L, W, history, t + d.resetMs - 1, shape)).toBe(left);
      } else {
        // More quota is made available exactly resetMs later, not a millisecond earlier.
        expect(remaining(algorithm, L, W, history, t + d.resetMs, shape), at).toBeGreaterThan(left);
        expect(remaining(algorithm, L, W, history, t + d.resetMs - 1, shape), at).toBe(left);
      }
    }
    expect(admitted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(20);
  });

  it('reports headers whose t never exceeds the policy w and equals Retry-After on a 429, for every cost', async () => {
    let t = 1_700_000_000_000;
    const limiter = createRateLimiter({ rules: [rule], now: () => t });
    const rand = prng(7);
    let rejections = 0;
    let windowStartRejections = 0;
    for (let i = 0; i < 900; i++) {
      // Three requests per step, so that every algorithm rejects often.
      if (i % 3 === 0) t += step(rand, W, t);
      const cost = rand() < 0.7 ? 1 : 1 + Math.floor(rand() * C);
      const d = await limiter.check('h', { cost });
      const headers = rateLimitHeaders(d, { cost });
      const w = Number(/;w=(\d+)/.exec(headers['RateLimit-Policy'])![1]);
      const q = Number(/;q=(\d+)/.exec(headers['RateLimit-Policy'])![1]);
      const left = Number(/;r=(\d+)/.exec(headers.RateLimit)![1]);
      const seconds = Number(/;t=(\d+)/.exec(headers.RateLimit)![1]);
      const at = `step ${i} cost=${cost} t=${t}`;
      expect(q).toBe(C);
      expect(left).toBeLessThanOrEqual(q);
      expect(seconds, at).toBeLessThanOrEqual(w);
      // In ms too: the seconds are rounded up, the horizon is exact.
      expect(d.resetMs, at).toBeLessThanOrEqual(ruleHorizonMs(d.rules[0]!, cost));
      if (d.allowed) {
        expect(headers['Retry-After']).toBeUndefined();
      } else {
        rejections++;
        if (d.resetMs > W) windowStartRejections++;
        expect(headers['Retry-After'], at).toBe(String(seconds));
      }
    }
    expect(rejections).toBeGreaterThan(20);
    // The counter's horizon is exercised: some rejections wait past the bare window.
    if (algorithm === 'sliding-window-counter') expect(windowStartRejections).toBeGreaterThan(0);
  });

  it('advertises the exact horizon as w: window, refill time, or window plus one cost share', () => {
    const at = async (cost: number): Promise<string> => {
      const limiter = createRateLimiter({ rules: [rule], now: () => 1_000_000 });
      const d = await limiter.peek('x');
      return rateLimitHeaders(d, { cost })['RateLimit-Policy'];
    };
    const expectW = (cost: number): number => {
      if (algorithm === 'sliding-window-counter') {
        return Math.ceil((W + Math.ceil((W * Math.min(L, cost)) / L)) / 1000);
      }
      if (algorithm === 'token-bucket' || algorithm === 'gcra') {
        return Math.max(1, Math.ceil(Math.ceil((W * C) / L) / 1000));
      }
      return Math.max(1, Math.ceil(W / 1000));
    };
    return Promise.all(
      [1, C].map(async (cost) => {
        expect(await at(cost)).toMatch(new RegExp(`;w=${expectW(cost)}$`));
      }),
    );
  });

  it('refunds units with a negative cost', async () => {
    let t = 1_000_000;
    const limiter = createRateLimiter({
      rules: [
        { ...rule, limit: 3, windowMs: 60_000, burst: rule.burst === undefined ? undefined : 3 },
      ],
      now: () => t,
    });
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
    const limiter = createRateLimiter({
      rules: [
        { ...rule, limit: 2, windowMs: 10_000, burst: rule.burst === undefined ? undefined : 2 },
      ],
      now: () => t,
    });
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
