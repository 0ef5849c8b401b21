import type { CacheStackConfigInput } from './types.js';

/** Names of the built-in profiles. */
export type ProfileName = 'development' | 'test' | 'production';

/**
 * Built-in profiles: partial configurations layered over the schema defaults and under
 * the file, the environment and explicit overrides.
 */
export const PROFILES: Readonly<Record<ProfileName, CacheStackConfigInput>> = {
  development: {
    l1: { maxEntries: 1000, maxBytes: '16mb' },
    defaults: { ttl: '1m' },
  },
  test: {
    l1: { maxEntries: 1000, maxBytes: '8mb' },
    defaults: {
      ttl: '10s',
      grace: 0,
      jitter: 0,
      eagerRefresh: 0,
      softTimeoutMs: 200,
      hardTimeoutMs: 1000,
    },
    circuitBreaker: { breakDurationMs: '1s' },
    locking: { acquireTimeoutMs: '1s', leaseMs: '5s' },
    metrics: { enabled: false },
  },
  production: {
    // `admission: 'tinylfu'` changes nothing under the default `w-tinylfu` policy (which
    // admits every insertion by frequency); it only filters L2 promotions with `lru`,
    // `fifo` or `lfu`.
    l1: { maxEntries: 100_000, maxBytes: '256mb', admission: 'tinylfu' },
    defaults: {
      grace: '1h',
      eagerRefresh: 0.8,
      jitter: 0.1,
      softTimeoutMs: '1s',
      hardTimeoutMs: '5s',
    },
    compression: { algorithm: 'auto' },
  },
};

/** Whether `name` is a built-in profile. */
export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === 'string' && Object.hasOwn(PROFILES, name);
}
