import { RateLimitMigrationError } from './errors.js';
import type { RateLimiterOptions } from './options.js';

/** The rate-limiter-flexible options the migrator understands. */
export interface FlexibleOptions {
  /** Units per `duration`. @defaultValue `4` (as in rate-limiter-flexible) */
  readonly points?: number;
  /** Window in seconds; 0 (never expire) is refused. @defaultValue `1` */
  readonly duration?: number;
  /** Seconds a key stays blocked once over its points. @defaultValue `0` */
  readonly blockDuration?: number;
  /** Key prefix; maps to the rule name (`rlflx` by default in rate-limiter-flexible). */
  readonly keyPrefix?: string;
  /** Spreading actions evenly: maps to the GCRA algorithm. */
  readonly execEvenly?: boolean;
  /** Any other option: reported in `warnings` and ignored. */
  readonly [option: string]: unknown;
}

/** The migrated options plus what could not be carried over. */
export interface MigratedOptions {
  /** Options for `createRateLimiter` (add `store` and `failurePolicy`). */
  readonly options: RateLimiterOptions;
  /** Human-readable notes about options that were ignored or changed meaning. */
  readonly warnings: readonly string[];
}

const KNOWN = new Set(['points', 'duration', 'blockDuration', 'keyPrefix', 'execEvenly']);
const IGNORED = new Set([
  'storeClient',
  'storeType',
  'inMemoryBlockOnConsumed',
  'inMemoryBlockDuration',
  'insuranceLimiter',
  'tableName',
  'dbName',
  'useRedisPackage',
  'execEvenlyMinDelayMs',
]);

/**
 * Converts rate-limiter-flexible style options (`points` per `duration` seconds,
 * `blockDuration` seconds) into `createRateLimiter` options, validating them:
 * non-integer or non-positive points, a zero, negative or non-finite duration, and a
 * negative blockDuration throw {@link RateLimitMigrationError}. rate-limiter-flexible
 * counts in fixed windows that start at a key's first request, so the result uses
 * `'fixed-window'` with `anchor: 'first-request'` (or `'gcra'` with `execEvenly`, which
 * spreads admissions the same way).
 */
export function fromRateLimiterFlexible(flexible: FlexibleOptions): MigratedOptions {
  if (flexible === null || typeof flexible !== 'object') {
    throw new RateLimitMigrationError('options', 'must be an object');
  }
  const warnings: string[] = [];
  const points = flexible.points ?? 4;
  if (typeof points !== 'number' || !Number.isSafeInteger(points) || points <= 0) {
    throw new RateLimitMigrationError(
      'points',
      `must be a positive integer, got ${String(points)}`,
    );
  }
  const duration = flexible.duration ?? 1;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw new RateLimitMigrationError(
      'duration',
      `must be a positive number of seconds, got ${String(duration)}`,
    );
  }
  if (duration === 0) {
    throw new RateLimitMigrationError(
      'duration',
      '0 (points never reset) has no rate-limit equivalent; use a long window',
    );
  }
  const blockDuration = flexible.blockDuration ?? 0;
  if (typeof blockDuration !== 'number' || !Number.isFinite(blockDuration) || blockDuration < 0) {
    throw new RateLimitMigrationError(
      'blockDuration',
      `must be a number of seconds >= 0, got ${String(blockDuration)}`,
    );
  }
  let name: string | undefined;
  if (flexible.keyPrefix !== undefined) {
    if (typeof flexible.keyPrefix !== 'string')
      throw new RateLimitMigrationError('keyPrefix', 'must be a string');
    name = flexible.keyPrefix.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || undefined;
    if (name !== flexible.keyPrefix)
      warnings.push(`keyPrefix "${flexible.keyPrefix}" became rule name "${name ?? 'default'}"`);
  }
  const windowMs = Math.round(duration * 1000);
  if (windowMs !== duration * 1000) warnings.push(`duration ${duration}s rounded to ${windowMs}ms`);
  for (const option of Object.keys(flexible)) {
    if (KNOWN.has(option)) continue;
    warnings.push(
      IGNORED.has(option)
        ? `${option} is not needed: pass a store and a failurePolicy instead`
        : `${option} is not supported and was ignored`,
    );
  }
  return {
    options: {
      ...(flexible.execEvenly === true
        ? { algorithm: 'gcra' as const }
        : { algorithm: 'fixed-window' as const, anchor: 'first-request' as const }),
      limit: points,
      windowMs,
      blockDurationMs: Math.round(blockDuration * 1000),
      ...(name === undefined ? {} : { name }),
    },
    warnings,
  };
}
