/**
 * Names of the OpenTelemetry instruments this package creates. They follow the
 * OpenTelemetry and Prometheus conventions: durations are in seconds (unit `s`) with the
 * unit in the name (`..._seconds`), byte sizes in bytes (`By`), counts carry a UCUM
 * annotation (`{request}`). A Prometheus exporter turns the dots into underscores and
 * appends `_total` to counters: `cachestack.cache.requests` is scraped as
 * `cachestack_cache_requests_total`, `cachestack.cache.l2.duration_seconds` as
 * `cachestack_cache_l2_duration_seconds_bucket|_sum|_count`.
 */
export const metricNames = {
  /** Observable counter: lookups by `cachestack.namespace`, `cachestack.tier`, `cachestack.result`. */
  requests: 'cachestack.cache.requests',
  /** Observable counter: writes (`set` and loader results) by namespace. */
  writes: 'cachestack.cache.writes',
  /** Histogram (s): loader runs by namespace and `cachestack.outcome` (ok, error). */
  loaderDuration: 'cachestack.cache.loader.duration_seconds',
  /** Histogram (s): L2 calls by `cachestack.operation` and outcome. Process-wide. */
  l2Duration: 'cachestack.cache.l2.duration_seconds',
  /** Observable gauge: entries in L1. */
  l1Entries: 'cachestack.cache.l1.entries',
  /** Observable gauge (By): bytes accounted in L1 (0 when L1 has no byte bound). */
  l1Bytes: 'cachestack.cache.l1.bytes',
  /** Observable gauge: loaders running. */
  inFlightLoads: 'cachestack.cache.loads.in_flight',
  /** Observable gauge: invalidations waiting for L2 to come back (replayed when it does). */
  pendingInvalidations: 'cachestack.cache.l2.pending_invalidations',
  /** Observable gauge: circuit state, 0 closed, 1 half-open, 2 open (absent without L2). */
  circuitState: 'cachestack.cache.circuit.state',
  /** Counter: circuit transitions by `cachestack.state`. */
  circuitTransitions: 'cachestack.cache.circuit.transitions',
  /** Observable counter: L1 evictions by `cachestack.reason`. */
  evictions: 'cachestack.cache.evictions',
  /** Counter: failed or timed-out L2 calls by operation (starts at 0). */
  l2Errors: 'cachestack.cache.l2.errors',
  /** Counter: corrupted L2 entries (deleted, read as misses) by namespace. */
  corruptEntries: 'cachestack.cache.l2.corrupt',
  /** Counter: invalidations received from other instances by `cachestack.message_type`. */
  busMessages: 'cachestack.cache.bus.messages',
  /** Observable gauge: 1 while the invalidation bus is connected, 0 while it is not (with the `bus` option). */
  busConnected: 'cachestack.bus.connected',
  /** Counter: loader results not written because their key was invalidated meanwhile. */
  fencedWrites: 'cachestack.cache.fenced_writes',
  /** Histogram (1): compressed size / original size per compression run. */
  compressionRatio: 'cachestack.compression.ratio',
  /** Counter (By): bytes through the compression codecs by `cachestack.direction` (in, out). */
  compressionBytes: 'cachestack.compression.bytes',
  /** Histogram (s): compression and decompression time by `cachestack.phase`. */
  compressionDuration: 'cachestack.compression.duration_seconds',
  /** Counter: values stored uncompressed by `cachestack.reason`. */
  compressionSkips: 'cachestack.compression.skips',
  /** Counter: failed decompressions. */
  compressionErrors: 'cachestack.compression.errors',
  /** Histogram (s): time waited for a lock by `cachestack.lock_kind` and outcome (acquired, timeout). */
  lockWait: 'cachestack.lock.wait.duration_seconds',
  /** Histogram (s): time a lock was held. */
  lockHeld: 'cachestack.lock.held.duration_seconds',
  /** Counter: held locks lost (lease expiry, failed extension). */
  locksLost: 'cachestack.lock.lost',
  /** Histogram (s): bus delivery lag (publish to receive). */
  busLag: 'cachestack.bus.delivery.lag_seconds',
  /** Counter: bus messages published. */
  busPublished: 'cachestack.bus.published',
  /** Counter: bus messages missing (sequence gaps; starts at 0). */
  busGaps: 'cachestack.bus.gap.messages',
  /** Counter: bus connection state changes by state. */
  busStates: 'cachestack.bus.state.changes',
  /** Counter: rate-limit decisions by `cachestack.decision` (allowed, rejected) and `cachestack.source`. */
  rateLimitDecisions: 'cachestack.ratelimit.decisions',
  /** Counter: rate-limit answers from the failure policy, by `cachestack.policy` (starts at 0). */
  rateLimitFallbacks: 'cachestack.ratelimit.fallbacks',
  /** Counter: failed rate-limit store calls (starts at 0). */
  rateLimitStoreErrors: 'cachestack.ratelimit.store_errors',
  /** Counter: rate-limit circuit transitions by state. */
  rateLimitCircuit: 'cachestack.ratelimit.circuit.transitions',
  /** Counter: reads served from a legacy key (live key migration; starts at 0). */
  migrateFallbacks: 'cachestack.migrate.fallbacks',
  /** Counter: legacy values copied into their new key by a read (starts at 0). */
  migrateBackfills: 'cachestack.migrate.backfills',
  /** Counter: failed commands on legacy keys (starts at 0). */
  migrateLegacyErrors: 'cachestack.migrate.legacy_errors',
} as const;

/**
 * @deprecated The millisecond histograms of 0.x, recorded next to the second-based ones
 * only with `legacyNames: true` (of {@link instrument} and {@link instrumentChannels}).
 * They go away in the next minor version: move dashboards and alerts to
 * {@link metricNames} (values in seconds).
 */
export const legacyMetricNames = {
  /** Histogram (ms); now {@link metricNames}.loaderDuration (s). */
  loaderDuration: 'cachestack.cache.loader.duration',
  /** Histogram (ms); now {@link metricNames}.l2Duration (s). */
  l2Duration: 'cachestack.cache.l2.duration',
  /** Histogram (ms); now {@link metricNames}.compressionDuration (s). */
  compressionDuration: 'cachestack.compression.duration',
  /** Histogram (ms); now {@link metricNames}.lockWait (s). */
  lockWait: 'cachestack.lock.wait.duration',
  /** Histogram (ms); now {@link metricNames}.lockHeld (s). */
  lockHeld: 'cachestack.lock.held.duration',
  /** Histogram (ms); now {@link metricNames}.busLag (s). */
  busLag: 'cachestack.bus.delivery.lag',
} as const;

/**
 * Names of core's `diagnostics_channel` tracing channels (`tracingChannel(name)`: messages
 * on `tracing:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`).
 */
export const traceChannelNames = {
  load: 'cachestack:core:load',
  l2: 'cachestack:core:l2',
  lockWait: 'cachestack:core:lock-wait',
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
  migrateFallback: 'cachestack:migrate:fallback',
  migrateBackfill: 'cachestack:migrate:backfill',
  migrateLegacyError: 'cachestack:migrate:legacy-error',
} as const;
