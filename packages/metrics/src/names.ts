/**
 * Names of the OpenTelemetry instruments this package creates. Durations are in
 * milliseconds (`ms`), sizes in bytes (`By`).
 */
export const metricNames = {
  /** Observable counter: lookups by `cachestack.namespace`, `cachestack.tier`, `cachestack.result`. */
  requests: 'cachestack.cache.requests',
  /** Observable counter: writes (`set` and loader results) by namespace. */
  writes: 'cachestack.cache.writes',
  /** Histogram (ms): loader runs by namespace and `cachestack.outcome` (ok, error). */
  loaderDuration: 'cachestack.cache.loader.duration',
  /** Histogram (ms): L2 calls by `cachestack.operation` and outcome. Process-wide. */
  l2Duration: 'cachestack.cache.l2.duration',
  /** Observable gauge: entries in L1. */
  l1Entries: 'cachestack.cache.l1.entries',
  /** Observable gauge (By): bytes accounted in L1 (0 when L1 has no byte bound). */
  l1Bytes: 'cachestack.cache.l1.bytes',
  /** Observable gauge: loaders running. */
  inFlightLoads: 'cachestack.cache.loads.in_flight',
  /** Observable gauge: invalidations waiting for L2 to come back. */
  pendingInvalidations: 'cachestack.cache.l2.pending_invalidations',
  /** Observable gauge: circuit state, 0 closed, 1 half-open, 2 open (absent without L2). */
  circuitState: 'cachestack.cache.circuit.state',
  /** Counter: circuit transitions by `cachestack.state`. */
  circuitTransitions: 'cachestack.cache.circuit.transitions',
  /** Observable counter: L1 evictions by `cachestack.reason`. */
  evictions: 'cachestack.cache.evictions',
  /** Counter: failed or timed-out L2 calls by operation. */
  l2Errors: 'cachestack.cache.l2.errors',
  /** Counter: corrupted L2 entries (deleted, read as misses) by namespace. */
  corruptEntries: 'cachestack.cache.l2.corrupt',
  /** Counter: invalidations received from other instances by `cachestack.message_type`. */
  busMessages: 'cachestack.cache.bus.messages',
  /** Counter: loader results not written because their key was invalidated meanwhile. */
  fencedWrites: 'cachestack.cache.fenced_writes',
  /** Histogram (ratio): compressed size / original size per compression run. */
  compressionRatio: 'cachestack.compression.ratio',
  /** Counter (By): bytes through the compression codecs by `cachestack.direction` (in, out). */
  compressionBytes: 'cachestack.compression.bytes',
  /** Histogram (ms): compression and decompression time by `cachestack.phase`. */
  compressionDuration: 'cachestack.compression.duration',
  /** Counter: values stored uncompressed by `cachestack.reason`. */
  compressionSkips: 'cachestack.compression.skips',
  /** Counter: failed decompressions. */
  compressionErrors: 'cachestack.compression.errors',
  /** Histogram (ms): time waited for a lock by `cachestack.lock_kind` and outcome (acquired, timeout). */
  lockWait: 'cachestack.lock.wait.duration',
  /** Histogram (ms): time a lock was held. */
  lockHeld: 'cachestack.lock.held.duration',
  /** Counter: held locks lost (lease expiry, failed extension). */
  locksLost: 'cachestack.lock.lost',
  /** Histogram (ms): bus delivery lag (publish to receive). */
  busLag: 'cachestack.bus.delivery.lag',
  /** Counter: bus messages published. */
  busPublished: 'cachestack.bus.published',
  /** Counter: bus messages missing (sequence gaps). */
  busGaps: 'cachestack.bus.gap.messages',
  /** Counter: bus connection state changes by state. */
  busStates: 'cachestack.bus.state.changes',
  /** Counter: rate-limit decisions by `cachestack.decision` (allowed, rejected) and `cachestack.source`. */
  rateLimitDecisions: 'cachestack.ratelimit.decisions',
  /** Counter: rate-limit answers from the failure policy, by `cachestack.policy`. */
  rateLimitFallbacks: 'cachestack.ratelimit.fallbacks',
  /** Counter: failed rate-limit store calls. */
  rateLimitStoreErrors: 'cachestack.ratelimit.store_errors',
  /** Counter: rate-limit circuit transitions by state. */
  rateLimitCircuit: 'cachestack.ratelimit.circuit.transitions',
} as const;

/** `node:diagnostics_channel` channel names consumed by this package. */
export const channelNames = {
  coreL2: 'cachestack:core:l2',
  compressionEncode: 'cachestack:compression:encode',
  compressionDecode: 'cachestack:compression:decode',
  compressionSkip: 'cachestack:compression:skip',
  compressionError: 'cachestack:compression:error',
  lockAcquire: 'cachestack:locking:acquire',
  lockRelease: 'cachestack:locking:release',
  lockTimeout: 'cachestack:locking:timeout',
  lockLost: 'cachestack:locking:lost',
  busPublish: 'cachestack:coherency:publish',
  busReceive: 'cachestack:coherency:receive',
  busGap: 'cachestack:coherency:gap',
  busState: 'cachestack:coherency:state',
  rateLimitDecision: 'cachestack:ratelimit:decision',
  rateLimitFallback: 'cachestack:ratelimit:fallback',
  rateLimitStoreError: 'cachestack:ratelimit:store-error',
  rateLimitCircuit: 'cachestack:ratelimit:circuit',
} as const;
