import { InvalidKeyError, InvalidOptionError } from '@cachestack/core';
import { InvalidCostError } from './errors.js';
import type { Algorithm, ResolvedRule, RuleOptions } from './types.js';

const CODES: Record<Algorithm, number> = {
  'fixed-window': 1,
  'sliding-window-counter': 2,
  'token-bucket': 3,
  gcra: 4,
  'sliding-window-log': 5,
};
const SHORT: Record<Algorithm, string> = {
  'fixed-window': 'fw',
  'sliding-window-counter': 'swc',
  'token-bucket': 'tb',
  gcra: 'gcra',
  'sliding-window-log': 'swl',
};
/** Code and storage id suffix of a fixed window anchored at the key's first request. */
const ANCHORED_CODE = 6;
const ANCHORED_SHORT = 'fwa';
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOptionError(option, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Validates one rule and resolves its defaults. */
export function resolveRule(options: RuleOptions, where = 'rule'): ResolvedRule {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(where, 'must be an object');
  }
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidOptionError(`${where}.name`, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');
  }
  let algorithm = options.algorithm ?? 'fixed-window';
  if (algorithm === 'sliding-window') algorithm = 'sliding-window-counter';
  if (!(algorithm in CODES)) {
    throw new InvalidOptionError(
      `${where}.algorithm`,
      `must be one of fixed-window, sliding-window, sliding-window-log, sliding-window-counter, token-bucket, gcra; got ${String(algorithm)}`,
    );
  }
  const limit = positiveInteger(`${where}.limit`, options.limit);
  const windowMs = positiveInteger(`${where}.windowMs`, options.windowMs);
  if (!Number.isSafeInteger(limit * windowMs * 4)) {
    throw new InvalidOptionError(`${where}.limit`, 'limit × windowMs is too large to be exact');
  }
  const blockDurationMs = options.blockDurationMs ?? 0;
  if (
    typeof blockDurationMs !== 'number' ||
    !Number.isSafeInteger(blockDurationMs) ||
    blockDurationMs < 0
  ) {
    throw new InvalidOptionError(
      `${where}.blockDurationMs`,
      `must be an integer >= 0, got ${String(blockDurationMs)}`,
    );
  }
  const a = algorithm as Algorithm;
  const bucket = a === 'token-bucket' || a === 'gcra';
  if (options.burst !== undefined && !bucket) {
    throw new InvalidOptionError(`${where}.burst`, 'applies to token-bucket and gcra only');
  }
  const burst =
    options.burst === undefined ? limit : positiveInteger(`${where}.burst`, options.burst);
  if (!Number.isSafeInteger(burst * windowMs * 4)) {
    throw new InvalidOptionError(`${where}.burst`, 'burst × windowMs is too large to be exact');
  }
  const anchor = options.anchor ?? 'epoch';
  if (anchor !== 'epoch' && anchor !== 'first-request') {
    throw new InvalidOptionError(
      `${where}.anchor`,
      `must be 'epoch' or 'first-request', got ${String(anchor)}`,
    );
  }
  if (anchor === 'first-request' && a !== 'fixed-window') {
    throw new InvalidOptionError(`${where}.anchor`, "'first-request' applies to fixed-window only");
  }
  const anchored = anchor === 'first-request';
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new InvalidOptionError(`${where}.key`, 'must be a function (key) => string');
  }
  return {
    name,
    id: `${name}:${anchored ? ANCHORED_SHORT : SHORT[a]}`,
    code: anchored ? ANCHORED_CODE : CODES[a],
    algorithm: a,
    limit,
    windowMs,
    burst,
    anchor,
    blockDurationMs,
    key: options.key,
  };
}

/** Validates a set of rules (at least one, unique names). */
export function resolveRules(rules: readonly RuleOptions[]): ResolvedRule[] {
  if (!Array.isArray(rules) || rules.length === 0) {
    throw new InvalidOptionError('rules', 'must be a non-empty array');
  }
  const resolved = rules.map((r, i) => resolveRule(r, `rules[${i}]`));
  const names = new Set(resolved.map((r) => r.name));
  if (names.size !== resolved.length)
    throw new InvalidOptionError('rules', 'rule names must be unique');
  return resolved;
}

/** Throws `InvalidKeyError` unless `key` is a non-empty string of at most 1024 characters. */
export function assertRateLimitKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new InvalidKeyError(
      `rate limit key must be a non-empty string of at most 1024 characters, got ${typeof key === 'string' ? `"${key.slice(0, 32)}"` : typeof key}`,
    );
  }
}

/** Throws `InvalidCostError` unless `cost` is a safe integer no larger than `maxCost`. */
export function assertCost(cost: unknown, maxCost: number): asserts cost is number {
  if (typeof cost !== 'number' || !Number.isSafeInteger(cost)) {
    throw new InvalidCostError(cost, 'must be a finite safe integer (negative refunds)');
  }
  if (cost > maxCost) {
    throw new InvalidCostError(
      cost,
      `exceeds the smallest limit or burst (${maxCost}); it could never be admitted`,
    );
  }
}
