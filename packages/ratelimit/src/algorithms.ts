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
  // resetMs: ms until more quota is made available (0 when whole); on a rejection it is
  // retryAfterMs, so the `t` of the RateLimit header always equals Retry-After on a 429.
  switch (rule.algorithm) {
    case 'fixed-window': {
      let start: number;
      if (rule.anchor === 'first-request') start = s !== undefined && t < s.a + W ? s.a : t;
      else start = Math.floor(t / W) * W;
      const count = s !== undefined && s.a === start ? s.b : 0;
      let n = count;
      if (cost <= 0) n = Math.max(0, count + cost);
      else if (count + cost <= L) n = count + cost;
      e.allowed = cost <= 0 || count + cost <= L;
      e.remaining = L - n;
      e.resetMs = n > 0 || !e.allowed ? start + W - t : 0;
      e.retryAfterMs = e.allowed ? 0 : start + W - t;
      e.na = start;
      e.nb = n;
      // An anchored window that holds nothing is not kept: the next request anchors anew.
      e.keepMs = n > 0 || rule.anchor === 'epoch' ? start + W - t : 0;
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
      if (e.allowed) {
        e.retryAfterMs = 0;
        if (prev > 0) {
          // The previous window's weight must shrink by one more unit.
          const k = L - n - e.remaining - 1;
          e.resetMs = cur + W - Math.floor((k * W) / prev) - t;
        } else if (n > 0) {
          // Only after the roll, as this window's units start to fade; capped at the window,
          // when a true sliding window has let every unit counted now go.
          e.resetMs = Math.min(W, cur + 2 * W - Math.floor(((n - 1) * W) / n) - t);
        } else {
          e.resetMs = 0;
        }
      } else {
        const room = L - cost - count;
        if (room >= 0 && prev > 0) {
          e.retryAfterMs = cur + W - Math.floor((room * W) / prev) - t;
        } else {
          e.retryAfterMs = cur + 2 * W - Math.floor(((L - cost) * W) / count) - t;
        }
        e.resetMs = e.retryAfterMs;
      }
      e.na = cur;
      e.nb = prev;
      e.nc = n;
      e.keepMs = cur + 2 * W - t;
      break;
    }
    case 'token-bucket': {
      // Tokens scaled by W: the bucket holds burst×W and refills L per ms.
      const cap = rule.burst * W;
      let tokens = cap;
      if (s !== undefined) tokens = Math.min(cap, s.a + Math.max(0, t - s.b) * L);
      let n = tokens;
      if (cost <= 0) n = Math.min(cap, tokens - cost * W);
      else if (tokens >= cost * W) n = tokens - cost * W;
      e.allowed = cost <= 0 || tokens >= cost * W;
      e.remaining = Math.floor(n / W);
      if (e.allowed) {
        e.retryAfterMs = 0;
        // Until the next whole token.
        e.resetMs = n >= cap ? 0 : Math.ceil(((e.remaining + 1) * W - n) / L);
      } else {
        e.retryAfterMs = Math.ceil((cost * W - tokens) / L);
        e.resetMs = e.retryAfterMs;
      }
      e.na = n;
      e.nb = t;
      e.keepMs = Math.ceil((cap - n) / L);
      break;
    }
    case 'gcra': {
      // Times scaled by L: the emission interval W/L becomes W, the tolerance W×burst.
      const tolerance = W * rule.burst;
      let ahead = 0;
      if (s !== undefined) ahead = Math.max(0, s.a - Math.max(0, t - s.b) * L);
      let n = ahead;
      if (cost <= 0) n = Math.max(0, ahead + cost * W);
      else if (ahead + cost * W <= tolerance) n = ahead + cost * W;
      e.allowed = cost <= 0 || ahead + cost * W <= tolerance;
      e.remaining = Math.floor((tolerance - n) / W);
      if (e.allowed) {
        e.retryAfterMs = 0;
        // Until one more emission interval fits in the tolerance.
        e.resetMs = n === 0 ? 0 : Math.ceil((n - (rule.burst - e.remaining - 1) * W) / L);
      } else {
        e.retryAfterMs = Math.ceil((ahead + cost * W - tolerance) / L);
        e.resetMs = e.retryAfterMs;
      }
      e.na = n;
      e.nb = t;
      e.keepMs = Math.ceil(n / L);
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
      e.keepMs = n === 0 ? 0 : newest + W - t;
      if (e.allowed) {
        e.retryAfterMs = 0;
        // The oldest counted unit leaves first (refunds drop the newest).
        e.resetMs = n === 0 ? 0 : (count > 0 ? log![head]! : t) + W - t;
      } else {
        e.retryAfterMs = log![head + count + cost - L - 1]! + W - t;
        e.resetMs = e.retryAfterMs;
      }
      e.na = n;
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
