import type { Algorithm, RuleOptions } from '../src/index.js';

/** Options of the reference model beyond algorithm, limit and window. */
export interface Shape {
  /** Token-bucket and GCRA capacity. @defaultValue the limit */
  readonly burst?: number;
  /** Fixed windows anchored at the first request. */
  readonly anchored?: boolean;
}

/** An admitted request: `cost` units at time `t`. */
export interface Admitted {
  readonly t: number;
  readonly cost: number;
}

/**
 * A small reference model: whether `cost` units are admitted at `t`, derived from the
 * definition of each algorithm over the full history of admitted requests (no state).
 */
export function admits(
  algorithm: Algorithm,
  L: number,
  W: number,
  history: readonly Admitted[],
  t: number,
  cost: number,
  shape: Shape = {},
): boolean {
  if (cost <= 0) return true;
  const C = shape.burst ?? L;
  switch (algorithm) {
    case 'fixed-window': {
      if (shape.anchored === true) {
        // A window starts at the first admission after the previous one ended.
        let start = Number.NEGATIVE_INFINITY;
        for (const h of history) if (h.t >= start + W) start = h.t;
        const used =
          t < start + W ? history.filter((h) => h.t >= start).reduce((s, h) => s + h.cost, 0) : 0;
        return used + cost <= L;
      }
      const start = Math.floor(t / W) * W;
      const used = history
        .filter((h) => h.t >= start && h.t < start + W)
        .reduce((s, h) => s + h.cost, 0);
      return used + cost <= L;
    }
    case 'sliding-window-log': {
      const used = history.filter((h) => h.t > t - W && h.t <= t).reduce((s, h) => s + h.cost, 0);
      return used + cost <= L;
    }
    case 'sliding-window-counter': {
      const cur = Math.floor(t / W) * W;
      const sum = (a: number, b: number) =>
        history.filter((h) => h.t >= a && h.t < b).reduce((s, h) => s + h.cost, 0);
      const prev = sum(cur - W, cur);
      const now = sum(cur, cur + W);
      // prev × (W − elapsed)/W + now + cost ≤ L, multiplied through by W.
      return prev * (W - (t - cur)) + (now + cost) * W <= L * W;
    }
    case 'token-bucket': {
      // Replay: C tokens at first, L per W refill, capped at C. Rational: tokens×W.
      let tokens = C * W;
      let last = Number.NEGATIVE_INFINITY;
      for (const h of history) {
        tokens =
          last === Number.NEGATIVE_INFINITY ? C * W : Math.min(C * W, tokens + (h.t - last) * L);
        tokens -= h.cost * W;
        last = h.t;
      }
      if (last !== Number.NEGATIVE_INFINITY) tokens = Math.min(C * W, tokens + (t - last) * L);
      return tokens >= cost * W;
    }
    case 'gcra': {
      // Virtual scheduling, emission interval T = W/L; times multiplied by L to stay exact.
      let tat = Number.NEGATIVE_INFINITY;
      for (const h of history) tat = Math.max(tat, h.t * L) + h.cost * W;
      return Math.max(tat, t * L) + cost * W - t * L <= W * C;
    }
  }
}

/** Units still admissible at `t` (the largest k ≤ capacity admitted). */
export function remaining(
  algorithm: Algorithm,
  L: number,
  W: number,
  history: readonly Admitted[],
  t: number,
  shape: Shape = {},
): number {
  const C = shape.burst ?? L;
  let k = 0;
  while (k < C && admits(algorithm, L, W, history, t, k + 1, shape)) k++;
  return k;
}

/** A deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A time step that often lands exactly on or next to window edges. */
export function step(rand: () => number, W: number, t: number): number {
  const r = rand();
  const start = Math.floor(t / W) * W;
  if (r < 0.2) return 0;
  if (r < 0.3) return start + W - t; // exactly the next edge
  if (r < 0.4) return Math.max(0, start + W - 1 - t); // just before it
  if (r < 0.45) return W;
  return 1 + Math.floor(rand() * (W / 4));
}

export const ALGORITHMS: readonly Algorithm[] = [
  'fixed-window',
  'sliding-window-log',
  'sliding-window-counter',
  'token-bucket',
  'gcra',
];

/** Every algorithm plus the shapes that change their arithmetic (burst, anchor). */
export const VARIANTS: readonly {
  readonly label: string;
  readonly rule: RuleOptions;
  readonly shape: Shape;
}[] = [
  ...ALGORITHMS.map((algorithm) => ({
    label: algorithm,
    rule: { algorithm, limit: 7, windowMs: 1000 },
    shape: {},
  })),
  {
    label: 'fixed-window anchored at the first request',
    rule: { algorithm: 'fixed-window', anchor: 'first-request', limit: 7, windowMs: 1000 },
    shape: { anchored: true },
  },
  {
    label: 'token-bucket with a burst above the rate',
    rule: { algorithm: 'token-bucket', limit: 7, windowMs: 1000, burst: 12 },
    shape: { burst: 12 },
  },
  {
    label: 'gcra with a burst below the rate',
    rule: { algorithm: 'gcra', limit: 7, windowMs: 1000, burst: 3 },
    shape: { burst: 3 },
  },
];
