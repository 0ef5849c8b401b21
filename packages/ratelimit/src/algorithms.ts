import type { ResolvedRule } from './types.js';

/**
 * The arithmetic of every algorithm, shared by the memory store and mirrored line for
 * line by the Redis script (redis-script.ts), so both decide identically. Times are
 * integer milliseconds and quantities are scaled so that every operation is exact
 * integer arithmetic on doubles (no drift, no rounding differences between JS and Lua).
 */

/** Stored state of one rule on one key. Field meaning depends on the algorithm. */
export interface SlotState {
  /** fixed: window start; counter: current window start; token: tokens×W; gcra: (TAT−t)×L. */
  a: number;
  /** fixed: count; counter: previous window count; token and gcra: time of `a`. */
  b: number;
  /** counter: current window count. */
  c: number;
  /** sliding-window-log: admitted unit timestamps, oldest first, from `head`. */
  log: number[] | undefined;
  /** Index of the first live entry of `log`. */
  head: number;
  /** Rejections are forced until then (blockDurationMs). */
  blockedUntil: number;
  /** The state is irrelevant from then on. */
  expiresAt: number;
}

/** The outcome of evaluating one rule, plus the state to write when committed. */
export interface Evaluation {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
  na: number;
  nb: number;
  nc: number;
  /** Units of the log expired at `t` (sliding-window-log). */
  expired: number;
  /** Ms the state must be kept from `t`. */
  keepMs: number;
}

/** A fresh evaluation record (one per rule position, reused). */
export function newEvaluation(): Evaluation {
  return {
    allowed: false,
    remaining: 0,
    resetMs: 0,
    retryAfterMs: 0,
    na: 0,
    nb: 0,
    nc: 0,
    expired: 0,
    keepMs: 0,
  };
}

/**
 * Evaluates `cost` units (negative refunds, 0 inspects) against `rule` at integer time `t`.
 * `s` is the stored state or undefined; nothing is mutated.
 */
export function evaluate(
  rule: ResolvedRule,
  s: SlotState | undefined,
  t: number,
  cost: number,
  e: Evaluation,
): void {
  const L = rule.limit;
  const W = rule.windowMs;
  e.expired = 0;
  switch (rule.algorithm) {
    case 'fixed-window': {
      const start = Math.floor(t / W) * W;
      const count = s !== undefined && s.a === start ? s.b : 0;
      let n = count;
      if (cost <= 0) n = Math.max(0, count + cost);
      else if (count + cost <= L) n = count + cost;
      e.allowed = cost <= 0 || count + cost <= L;
      e.remaining = L - n;
      e.resetMs = n > 0 ? start + W - t : 0;
      e.retryAfterMs = e.allowed ? 0 : start + W - t;
      e.na = start;
      e.nb = n;
      e.keepMs = start + W - t;
      break;
    }
    case 'sliding-window-counter': {
      const cur = Math.floor(t / W) * W;
      let prev = 0;
      let count = 0;
      if (s !== undefined) {
        if (s.a === cur) {
          prev = s.b;
          count = s.c;
        } else if (s.a === cur - W) {
          prev = s.c;
        }
      }
      const elapsed = t - cur;
      // Scaled by W: estimate×W = prev×(W−elapsed) + count×W, exact in integers.
      const est = prev * (W - elapsed) + count * W;
      let n = count;
      if (cost <= 0) n = Math.max(0, count + cost);
      else if (est + cost * W <= L * W) n = count + cost;
      e.allowed = cost <= 0 || est + cost * W <= L * W;
      e.remaining = Math.floor((L * W - (prev * (W - elapsed) + n * W)) / W);
      e.resetMs = n > 0 ? cur + 2 * W - t : prev > 0 ? cur + W - t : 0;
      if (e.allowed) {
        e.retryAfterMs = 0;
      } else {
        const room = L - cost - count;
        if (room >= 0 && prev > 0) {
          e.retryAfterMs = cur + W - Math.floor((room * W) / prev) - t;
        } else {
          e.retryAfterMs = cur + 2 * W - Math.floor(((L - cost) * W) / count) - t;
        }
      }
      e.na = cur;
      e.nb = prev;
      e.nc = n;
      e.keepMs = cur + 2 * W - t;
      break;
    }
    case 'token-bucket': {
      // Tokens scaled by W: the bucket holds L×W and refills L per ms.
      const cap = L * W;
      let tokens = cap;
      if (s !== undefined) tokens = Math.min(cap, s.a + Math.max(0, t - s.b) * L);
      let n = tokens;
      if (cost <= 0) n = Math.min(cap, tokens - cost * W);
      else if (tokens >= cost * W) n = tokens - cost * W;
      e.allowed = cost <= 0 || tokens >= cost * W;
      e.remaining = Math.floor(n / W);
      e.resetMs = Math.ceil((cap - n) / L);
      e.retryAfterMs = e.allowed ? 0 : Math.ceil((cost * W - tokens) / L);
      e.na = n;
      e.nb = t;
      e.keepMs = e.resetMs;
      break;
    }
    case 'gcra': {
      // Times scaled by L: the emission interval W/L becomes W, the tolerance W×L.
      let ahead = 0;
      if (s !== undefined) ahead = Math.max(0, s.a - Math.max(0, t - s.b) * L);
      let n = ahead;
      if (cost <= 0) n = Math.max(0, ahead + cost * W);
      else if (ahead + cost * W <= W * L) n = ahead + cost * W;
      e.allowed = cost <= 0 || ahead + cost * W <= W * L;
      e.remaining = Math.floor((W * L - n) / W);
      e.resetMs = Math.ceil(n / L);
      e.retryAfterMs = e.allowed ? 0 : Math.ceil((ahead + cost * W - W * L) / L);
      e.na = n;
      e.nb = t;
      e.keepMs = e.resetMs;
      break;
    }
    case 'sliding-window-log': {
      // A unit admitted at time u counts while t − W < u ≤ t.
      const log = s?.log;
      let head = s === undefined ? 0 : s.head;
      const end = log === undefined ? 0 : log.length;
      if (log !== undefined) while (head < end && log[head]! <= t - W) head++;
      const count = end - head;
      e.expired = head - (s === undefined ? 0 : s.head);
      let n = count;
      if (cost <= 0) n = Math.max(0, count + cost);
      else if (count + cost <= L) n = count + cost;
      e.allowed = cost <= 0 || count + cost <= L;
      e.remaining = L - n;
      const newest = n === 0 ? 0 : n > count ? t : log![head + n - 1]!;
      e.resetMs = n === 0 ? 0 : newest + W - t;
      e.retryAfterMs = e.allowed ? 0 : log![head + count + cost - L - 1]! + W - t;
      e.na = n;
      e.keepMs = e.resetMs;
      break;
    }
  }
}

/** Writes an admitted evaluation into `s` (creating it when undefined); returns it. */
export function commit(
  rule: ResolvedRule,
  s: SlotState | undefined,
  t: number,
  cost: number,
  e: Evaluation,
): SlotState {
  if (s === undefined) {
    s = { a: 0, b: 0, c: 0, log: undefined, head: 0, blockedUntil: 0, expiresAt: 0 };
  }
  if (rule.algorithm === 'sliding-window-log') {
    const log = s.log ?? [];
    let head = s.head + e.expired;
    let live = log.length - head;
    if (cost > 0) {
      for (let i = 0; i < cost; i++) log.push(t);
    } else {
      for (let i = 0; i < -cost && live > 0; i++, live--) log.pop();
    }
    if (head > 32 && head * 2 > log.length) {
      log.splice(0, head);
      head = 0;
    }
    s.log = log;
    s.head = head;
  } else {
    s.a = e.na;
    s.b = e.nb;
    s.c = e.nc;
  }
  s.expiresAt = Math.max(s.blockedUntil, t + e.keepMs);
  return s;
}
