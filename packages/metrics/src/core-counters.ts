import type { InstrumentableCache } from './instrument.js';

/** Lookup counters of one namespace, as proposed for core's `cache.stats().namespaces`. */
export interface CoreNamespaceCounters {
  readonly namespace: string;
  readonly l1Hits: number;
  readonly l2Hits: number;
  readonly misses: number;
  readonly stale: number;
}

/**
 * The per-namespace lookup counters of `cache.stats()`, when this version of core keeps
 * them (then hits and misses are read at collection time and nothing subscribes to the
 * per-lookup events); `undefined` otherwise.
 */
export function coreCounters(
  cache: InstrumentableCache,
): readonly CoreNamespaceCounters[] | undefined {
  const namespaces = (cache.stats() as { namespaces?: unknown }).namespaces;
  return Array.isArray(namespaces) ? (namespaces as CoreNamespaceCounters[]) : undefined;
}
