import type { Duration } from './duration.js';

/** What a loader receives. */
export interface LoaderContext<T> {
  /** The key being loaded. */
  readonly key: string;
  /** The namespace of the key. */
  readonly namespace: string;
  /** Aborted when the cache closes or the distributed lock is lost. */
  readonly signal: AbortSignal;
  /** The stale value within grace, when there is one. */
  readonly staleValue: T | undefined;
  /**
   * Overrides the TTL (and optionally the grace) of the entry this load writes, e.g. a
   * TTL dictated by the source (an HTTP `max-age`, a legacy key's remaining PTTL).
   * @throws InvalidOptionError for a TTL that is not > 0 or a negative grace
   */
  setTtl(ttl: Duration, grace?: Duration): void;
}

/** Loads the value of a missing key. */
export type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>;

/**
 * Loads many keys at once. Receives only the keys missing from every tier (and not
 * already being loaded) and returns their values as a Map, or an array aligned with
 * the keys. A key left out of the result is returned as `undefined` and not cached.
 */
export type BatchLoader<T> = (
  keys: string[],
  context: { readonly namespace: string; readonly signal: AbortSignal },
) => Promise<Map<string, T> | readonly T[]> | Map<string, T> | readonly T[];
