import type {
  DecisionSource,
  RateLimitDecision,
  ResolvedRule,
  RuleDecision,
  StoreAnswer,
} from './types.js';

/**
 * The decision of a single-rule limiter: one allocation on the hot path; `rules` is
 * built when read. `toJSON` includes it, so logs and spreads via JSON keep it.
 */
export class SingleRuleDecision implements RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
  readonly source: DecisionSource;
  readonly #rule: ResolvedRule;

  constructor(
    rule: ResolvedRule,
    allowed: boolean,
    remaining: number,
    resetMs: number,
    retryAfterMs: number,
    source: DecisionSource,
  ) {
    this.allowed = allowed;
    this.limit = rule.limit;
    this.remaining = remaining;
    this.resetMs = resetMs;
    this.retryAfterMs = retryAfterMs;
    this.source = source;
    this.#rule = rule;
  }

  /** The one rule's decision. */
  get rules(): readonly RuleDecision[] {
    const rule = this.#rule;
    return [
      {
        name: rule.name,
        algorithm: rule.algorithm,
        allowed: this.allowed,
        limit: rule.limit,
        windowMs: rule.windowMs,
        burst: rule.burst,
        remaining: this.remaining,
        resetMs: this.resetMs,
        retryAfterMs: this.retryAfterMs,
      },
    ];
  }

  /** A plain object with `rules`. */
  toJSON(): RateLimitDecision {
    return {
      allowed: this.allowed,
      limit: this.limit,
      remaining: this.remaining,
      resetMs: this.resetMs,
      retryAfterMs: this.retryAfterMs,
      rules: this.rules,
      source: this.source,
    };
  }
}

/** Builds a decision from a store answer (4 numbers per rule). */
export function toDecision(
  rules: readonly ResolvedRule[],
  answer: StoreAnswer,
  source: DecisionSource,
): RateLimitDecision {
  if (rules.length === 1) {
    return new SingleRuleDecision(
      rules[0]!,
      answer[0] === 1,
      answer[1]!,
      answer[2]!,
      answer[3]!,
      source,
    );
  }
  const decisions: RuleDecision[] = [];
  let allowed = true;
  let worst = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const d: RuleDecision = {
      name: rule.name,
      algorithm: rule.algorithm,
      allowed: answer[i * 4] === 1,
      limit: rule.limit,
      windowMs: rule.windowMs,
      burst: rule.burst,
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
      allowed ? rule.burst : 0,
      allowed ? 0 : waitMs,
      allowed ? 0 : waitMs,
    );
  }
  return toDecision(rules, answer, source);
}
