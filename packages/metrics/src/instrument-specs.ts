import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';
import { legacyMetricNames, metricNames } from './names.js';

/** Keys of {@link metricNames}. */
export type MetricKey = keyof typeof metricNames;

/**
 * Bucket bounds (s) of the duration histograms: 100 µs to 10 s, the range of cache reads,
 * loaders, lock waits and bus lag. The SDK default (0 to 10 000) assumes milliseconds.
 */
export const durationBucketsSeconds: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const seconds = (description: string): MetricOptions => ({
  description,
  unit: 's',
  advice: { explicitBucketBoundaries: [...durationBucketsSeconds] },
});

/**
 * Description and unit of every instrument, by {@link metricNames} key: one place, so the
 * handlers of two channels that feed one instrument create it with the same descriptor.
 */
export const instrumentSpecs: Readonly<Record<MetricKey, MetricOptions>> = Object.freeze({
  requests: { description: 'Cache lookups by namespace, tier and result', unit: '{request}' },
  writes: { description: 'Values written by set or by a loader', unit: '{write}' },
  loaderDuration: seconds('Loader run time'),
  l2Duration: seconds('L2 call time'),
  l1Entries: { description: 'Entries in L1', unit: '{entry}' },
  l1Bytes: { description: 'Bytes accounted in L1', unit: 'By' },
  inFlightLoads: { description: 'Loaders running', unit: '{load}' },
  pendingInvalidations: {
    description: 'Invalidations queued while L2 is unreachable, replayed when it returns',
    unit: '{invalidation}',
  },
  circuitState: {
    description: 'L2 circuit breaker: 0 closed, 1 half-open, 2 open',
    unit: '1',
  },
  circuitTransitions: { description: 'L2 circuit breaker transitions', unit: '{transition}' },
  evictions: { description: 'Entries dropped by L1', unit: '{entry}' },
  l2Errors: { description: 'Failed or timed-out L2 calls', unit: '{error}' },
  corruptEntries: {
    description: 'Corrupted L2 entries deleted and read as misses',
    unit: '{entry}',
  },
  busMessages: {
    description: 'Invalidations received from other instances',
    unit: '{message}',
  },
  busConnected: {
    description: 'Invalidation bus connection: 1 connected, 0 disconnected',
    unit: '1',
  },
  fencedWrites: {
    description: 'Loader results not written because the key was invalidated meanwhile',
    unit: '{write}',
  },
  compressionRatio: {
    description: 'Compressed size / original size per compression run (lower is better)',
    unit: '1',
    advice: { explicitBucketBoundaries: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
  },
  compressionBytes: {
    description: 'Bytes into and out of the compression codecs',
    unit: 'By',
  },
  compressionDuration: seconds('Compression and decompression time'),
  compressionSkips: { description: 'Values stored uncompressed, by reason', unit: '{value}' },
  compressionErrors: { description: 'Failed decompressions', unit: '{error}' },
  lockWait: seconds('Time waited for a lock, acquired or timed out'),
  lockHeld: seconds('Time a lock was held'),
  locksLost: {
    description: 'Held locks lost (lease expiry, failed extension)',
    unit: '{lock}',
  },
  busLag: seconds('Time from publish on one instance to receipt on another'),
  busPublished: { description: 'Bus messages published', unit: '{message}' },
  busGaps: {
    description: 'Bus messages missed (sequence gaps); affected L1 entries are dropped',
    unit: '{message}',
  },
  busStates: { description: 'Bus connection state changes', unit: '{change}' },
  rateLimitDecisions: {
    description: 'Rate-limit decisions by decision (allowed, rejected) and source',
    unit: '{decision}',
  },
  rateLimitFallbacks: {
    description: 'Rate-limit answers given by the failure policy while the store failed',
    unit: '{decision}',
  },
  rateLimitStoreErrors: { description: 'Failed rate-limit store calls', unit: '{error}' },
  rateLimitCircuit: {
    description: 'Rate-limit store circuit breaker transitions',
    unit: '{transition}',
  },
  migrateFallbacks: {
    description: 'Reads served from a legacy key during a key migration',
    unit: '{read}',
  },
  migrateBackfills: {
    description: 'Legacy values copied into their new key by a read',
    unit: '{entry}',
  },
  migrateLegacyErrors: { description: 'Failed commands on legacy keys', unit: '{error}' },
});

/** Records a duration given in milliseconds. */
export interface DurationRecorder {
  record(ms: number, attributes: Attributes): void;
}

/**
 * A duration histogram in seconds; with `legacyNames`, also the deprecated millisecond
 * histogram of the same measurement under its old name.
 */
export function durationHistogram(
  meter: Meter,
  key: MetricKey & keyof typeof legacyMetricNames,
  legacyNames: boolean,
): DurationRecorder {
  const histogram = meter.createHistogram(metricNames[key], instrumentSpecs[key]);
  if (!legacyNames) {
    return { record: (ms, attributes) => histogram.record(ms / 1000, attributes) };
  }
  const legacy = meter.createHistogram(legacyMetricNames[key], {
    description: `${instrumentSpecs[key].description} (deprecated: use ${metricNames[key]}, in seconds)`,
    unit: 'ms',
  });
  return {
    record(ms, attributes) {
      histogram.record(ms / 1000, attributes);
      legacy.record(ms, attributes);
    },
  };
}
