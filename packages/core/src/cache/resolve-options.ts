import { type ByteSize, type Duration, toBytes, toMs } from '../contracts/duration.js';
import { InvalidOptionError } from '../contracts/errors.js';
import type { LoadOptions, ResolvedLoadOptions } from '../contracts/options.js';

/** Built-in defaults. */
export const BASE_DEFAULTS: ResolvedLoadOptions = Object.freeze({
  ttlMs: 300_000,
  graceMs: 0,
  jitter: 0,
  tags: undefined,
  softTimeoutMs: 0,
  hardTimeoutMs: 0,
  eagerRefresh: 0,
  skipL1: false,
  skipL2: false,
  forceFresh: false,
  adaptiveTtl: undefined,
});

function fraction(option: string, value: unknown, exclusiveEnds: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new InvalidOptionError(option, `expected a number in [0, 1), got ${String(value)}`);
  }
  if (exclusiveEnds && value === 0) return 0;
  return value;
}

function bool(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'expected a boolean');
  return value;
}

/** Validates tags: an array of non-empty strings. */
export function resolveTags(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidOptionError('tags', 'expected an array of strings');
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > 256) {
      throw new InvalidOptionError(
        'tags',
        'every tag must be a non-empty string of at most 256 characters',
      );
    }
  }
  return value.length === 0 ? undefined : [...new Set(value as string[])];
}

/**
 * Validates per-call options over a base. Unknown option names are rejected, so a typo
 * never silently falls back to a default.
 * @throws InvalidOptionError
 */
export function resolveLoadOptions(
  base: ResolvedLoadOptions,
  input: LoadOptions | undefined,
): ResolvedLoadOptions {
  if (input === undefined) return base;
  if (input === null || typeof input !== 'object') {
    throw new InvalidOptionError('options', 'expected an object');
  }
  const out = { ...base } as { -readonly [K in keyof ResolvedLoadOptions]: ResolvedLoadOptions[K] };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    switch (name) {
      case 'ttl':
        out.ttlMs = toMs('ttl', value as Duration);
        if (out.ttlMs <= 0) throw new InvalidOptionError('ttl', 'must be greater than 0');
        break;
      case 'grace':
        out.graceMs = toMs('grace', value as Duration);
        break;
      case 'jitter':
        out.jitter = fraction('jitter', value, false);
        break;
      case 'tags':
        out.tags = resolveTags(value);
        break;
      case 'softTimeoutMs':
        out.softTimeoutMs = toMs('softTimeoutMs', value as Duration);
        break;
      case 'hardTimeoutMs':
        out.hardTimeoutMs = toMs('hardTimeoutMs', value as Duration);
        break;
      case 'eagerRefresh':
        out.eagerRefresh = fraction('eagerRefresh', value, true);
        break;
      case 'skipL1':
        out.skipL1 = bool('skipL1', value);
        break;
      case 'skipL2':
        out.skipL2 = bool('skipL2', value);
        break;
      case 'forceFresh':
        out.forceFresh = bool('forceFresh', value);
        break;
      case 'adaptiveTtl': {
        const a = value as { min: Duration; max: Duration; factor?: number };
        if (typeof a !== 'object' || a === null)
          throw new InvalidOptionError('adaptiveTtl', 'expected { min, max }');
        const minMs = toMs('adaptiveTtl.min', a.min);
        const maxMs = toMs('adaptiveTtl.max', a.max);
        if (minMs <= 0 || maxMs < minMs) {
          throw new InvalidOptionError('adaptiveTtl', 'needs 0 < min <= max');
        }
        if (
          a.factor !== undefined &&
          (typeof a.factor !== 'number' || !(a.factor > 1) || !Number.isFinite(a.factor))
        ) {
          throw new InvalidOptionError('adaptiveTtl.factor', 'must be a finite number > 1');
        }
        out.adaptiveTtl = { minMs, maxMs, factor: a.factor ?? 2 };
        break;
      }
      default:
        throw new InvalidOptionError(name, 'unknown option');
    }
  }
  if (out.hardTimeoutMs > 0 && out.softTimeoutMs >= out.hardTimeoutMs) {
    throw new InvalidOptionError('softTimeoutMs', 'must be lower than hardTimeoutMs');
  }
  return out;
}

/** Validates an integer option. */
export function intOption(option: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(option, `expected an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Validates a duration option with a fallback. */
export function durationOption(
  option: string,
  value: Duration | undefined,
  fallback: number,
): number {
  return value === undefined ? fallback : toMs(option, value);
}

/** Validates a byte size option with a fallback. */
export function bytesOption(option: string, value: ByteSize | undefined, fallback: number): number {
  return value === undefined ? fallback : toBytes(option, value);
}
