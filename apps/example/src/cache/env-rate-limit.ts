import type { CacheStackConfigInput } from '@cachestack/config';
import { toMs } from '@cachestack/core';
import { BASE_CONFIG } from './app-config.js';

/** A bad `RATE_LIMIT` / `RATE_LIMIT_WINDOW` value: the service refuses to start. */
export class EnvConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'EnvConfigError';
  }
}

/**
 * The `rateLimits.api` rule from `RATE_LIMIT` (requests per window and client IP, a
 * positive integer) and `RATE_LIMIT_WINDOW` (`60000`, `30s`, `1m`...), each falling back
 * to the base configuration (600 per minute). Undefined when neither is set.
 */
export function rateLimitFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): CacheStackConfigInput['rateLimits'] | undefined {
  const limitText = env.RATE_LIMIT?.trim() || undefined;
  const windowText = env.RATE_LIMIT_WINDOW?.trim() || undefined;
  if (limitText === undefined && windowText === undefined) return undefined;
  const base = BASE_CONFIG.rateLimits!.api!;
  let limit = base.limit;
  if (limitText !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(limitText)) {
      throw new EnvConfigError(
        'RATE_LIMIT',
        `expected a whole number of requests per window (1-999999999), got "${limitText}"`,
      );
    }
    limit = Number(limitText);
  }
  let windowMs = base.windowMs;
  if (windowText !== undefined) {
    let ms: number;
    try {
      ms = toMs('RATE_LIMIT_WINDOW', windowText); // a bare number is milliseconds
    } catch {
      ms = Number.NaN;
    }
    if (!Number.isSafeInteger(ms) || ms < 1) {
      throw new EnvConfigError(
        'RATE_LIMIT_WINDOW',
        `expected milliseconds or a duration like 30s, 1m, 1h; got "${windowText}"`,
      );
    }
    windowMs = ms;
  }
  return { api: { ...base, limit, windowMs } };
}
