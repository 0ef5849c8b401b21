import {
  type CacheStackConfig,
  type CacheStackConfigInput,
  type ConfigIssue,
  type ConfigWarning,
  validateConfig,
} from '@cachestack/config';

/** The app's starting configuration; the L2 section comes from the environment. */
export const BASE_CONFIG: CacheStackConfigInput = {
  l1: { maxEntries: 20_000, maxBytes: '64mb', policy: 'lru', promotion: 'immediate' },
  defaults: { ttl: '5m', grace: '1h', softTimeoutMs: '250ms', hardTimeoutMs: '5s' },
  namespaces: {
    users: { ttl: '10m', priority: 'high' },
    products: { ttl: '5m', priority: 'medium' },
    orders: { ttl: '1m', priority: 'low' },
  },
  rateLimits: { api: { algorithm: 'sliding-window', limit: 600, windowMs: '1m' } },
};

/** Outcome of validating a configuration for the app. */
export type AppConfigResult =
  | {
      valid: true;
      config: CacheStackConfig;
      input: CacheStackConfigInput;
      warnings: ConfigWarning[];
    }
  | { valid: false; errors: ConfigIssue[]; warnings: ConfigWarning[] };

/**
 * Validates a configuration with @cachestack/config. The L2 is chosen by the environment
 * (`REDIS_URL`, else the embedded file store), so an input without `l2` keeps `l2`.
 */
export function resolveAppConfig(input: unknown, l2: CacheStackConfigInput['l2']): AppConfigResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      valid: false,
      errors: [{ path: '', message: 'expected a JSON object', value: input }] as ConfigIssue[],
      warnings: [],
    };
  }
  const withL2 = { ...(input as CacheStackConfigInput) };
  if (withL2.l2 === undefined && l2 !== undefined) withL2.l2 = l2;
  const result = validateConfig(withL2, { profile: 'none' });
  if (!result.valid) {
    return { valid: false, errors: [...result.errors], warnings: [...result.warnings] };
  }
  return { valid: true, config: result.config, input: withL2, warnings: [...result.warnings] };
}
