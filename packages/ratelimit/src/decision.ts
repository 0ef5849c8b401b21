import type {
  DecisionSource,
  RateLimitDecision,
  ResolvedRule,
  RuleDecision,
  StoreAnswer,
} from './types.js';

/** Builds a decision from a store answer (4 numbers per rule). */
export function toDecision(
  rules: readonly ResolvedRule[],
  answer: StoreAnswer,
  source: DecisionSource,
): RateLimitDecision {
  if (rules.length === 1) {
    const rule = rules[0]!;
    const d: RuleDecision = {
      name: rule.name,
      allowed: answer[0] === 1,
      limit: rule.limit,
      windowMs: rule.windowMs,
      remaining: answer[1]!,
      resetMs: answer[2]!,
      retryAfterMs: answer[3]!,
    };
    return {
      allowed: d.allowed,
      limit: d.limit,
      remaining: d.remaining,
      resetMs: d.resetMs,
      retryAfterMs: d.retryAfterMs,
      rules: [d],
      source,
    };
  }
  const decisions: RuleDecision[] = [];
  let allowed = true;
  let worst = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const d: RuleDecision = {
      name: rule.name,
      allowed: answer[i * 4] === 1,
      limit: rule.limit,
      windowMs: rule.windowMs,
      remaining: answer[i * 4 + 1]!,
      resetMs: answer[i * 4 + 2]!,
      retryAfterMs: answer[i * 4 + 3]!,
    };
    decisions.push(d);
    if (!d.allowed) allowed = false;
  }
  // The most restrictive rule: among rejecting rules the longest wait, else the fewest left.
  for (let i = 1; i < decisions.length; i++) {
    const d = decisions[i]!;
    const w = decisions[worst]!;
    const better = allowed
      ? d.remaining < w.remaining || (d.remaining === w.remaining && d.resetMs > w.resetMs)
      : d.retryAfterMs > w.retryAfterMs;
    if (better) worst = i;
  }
  const w = decisions[worst]!;
  return {
    allowed,
    limit: w.limit,
    remaining: w.remaining,
    resetMs: w.resetMs,
    retryAfterMs: allowed ? 0 : w.retryAfterMs,
    rules: decisions,
    source,
  };
}

/** A decision made without the store: every rule admits (open) or rejects (closed). */
export function syntheticDecision(
  rules: readonly ResolvedRule[],
  allowed: boolean,
  waitMs: number,
  source: DecisionSource,
): RateLimitDecision {
  const answer: number[] = [];
  for (const rule of rules) {
    answer.push(
      allowed ? 1 : 0,
      allowed ? rule.limit : 0,
      allowed ? 0 : waitMs,
      allowed ? 0 : waitMs,
    );
  }
  return toDecision(rules, answer, source);
}
