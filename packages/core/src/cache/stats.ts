import type { Stack } from '../tiers/stack.js';

/** Counters since the cache was created. */
export interface CacheStats {
  readonly l1Entries: number;
  readonly l1Bytes: number;
  readonly inFlightLoads: number;
  readonly circuit: 'closed' | 'open' | 'half-open' | 'none';
  readonly pendingInvalidations: number;
  /** Lookup counters of every namespace since the cache was created. */
  readonly namespaces: readonly NamespaceCounters[];
}

/** Lookup counters of one namespace. */
export interface NamespaceCounters {
  readonly namespace: string;
  /** Fresh values served from L1. */
  readonly l1Hits: number;
  /** Fresh values served from L2. */
  readonly l2Hits: number;
  /** Lookups with no fresh value in any tier (a loader ran, or `get` returned undefined). */
  readonly misses: number;
  /** Stale values served within grace (also counted as misses). */
  readonly stale: number;
}

/** Current sizes, states and counters of a stack. */
export function statsOf(stack: Stack): CacheStats {
  const { l1, l2 } = stack;
  return {
    l1Entries: l1?.size ?? 0,
    l1Bytes: l1?.bytes ?? 0,
    inFlightLoads: stack.flights.size,
    circuit: l2 ? l2.circuitState : 'none',
    pendingInvalidations: l2?.pendingInvalidations ?? 0,
    namespaces: [...stack.namespaces.values()].map((ns) => ({
      namespace: ns.name,
      l1Hits: ns.l1Hits,
      l2Hits: ns.l2Hits,
      misses: ns.misses,
      stale: ns.stale,
    })),
  };
}
