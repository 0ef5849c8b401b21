import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getHeapStatistics } from 'node:v8';
import { ClosedError, InvalidOptionError, noopLogger } from '@cachestack/core';
import { TypedEmitter } from '@cachestack/core/kit';
import { coreCounters } from './core-counters.js';
import type {
  HealthMonitor,
  HealthMonitorEventMap,
  HealthMonitorOptions,
  HeapReading,
  MemoryPressure,
  SlowOperation,
} from './health-monitor-types.js';
import { resolveThresholds, resolveWeights } from './health-options.js';
import { type HealthReport, type HealthStatus, scoreHealth } from './health-score.js';
import type { InstrumentableCache } from './instrument.js';
import { percentileOf } from './latency-histogram.js';
import { channelNames } from './names.js';
import { assertObject, functionOption, numberOption } from './options.js';
import { RollingWindow, type Totals } from './rolling-window.js';
import { computeTrends, type Trends } from './trends.js';

function defaultReadHeap(): HeapReading {
  const s = getHeapStatistics();
  return { usedBytes: s.used_heap_size, limitBytes: s.heap_size_limit };
}

/**
 * Watches a cache and scores its health (0-100) from weighted signals: hit rate, L2
 * error rate, circuit state, latency p95, heap use and bus delivery lag. Latency is
 * L2 call time (`cachestack:core:l2`) plus what `recordLatency` records; bus lag comes
 * from `cachestack:coherency:receive`. Those channels are process-wide.
 * @throws InvalidOptionError for invalid options.
 * @example
 * const health = createHealthMonitor(cache, { thresholds: { latencyP95TargetMs: 20 } });
 * app.get('/health', (_req, res) => res.json(health.check()));
 */
export function createHealthMonitor(
  cache: InstrumentableCache,
  options: HealthMonitorOptions = {},
): HealthMonitor {
  assertObject('options', options);
  if (typeof cache?.on !== 'function' || typeof cache.stats !== 'function') {
    throw new InvalidOptionError('cache', 'expected a cache created by createCache');
  }
  const weights = resolveWeights(options.weights);
  const thresholds = resolveThresholds(options.thresholds);
  const now = functionOption<() => number>('now', options.now, Date.now);
  const windowMs = numberOption('windowMs', options.windowMs, 300_000, 1);
  const sliceMs = numberOption('sliceMs', options.sliceMs, 10_000, 1);
  const historyMs = numberOption('historyMs', options.historyMs, 3_600_000, 1);
  if (windowMs < sliceMs) throw new InvalidOptionError('windowMs', 'must be >= sliceMs');
  if (historyMs < windowMs) throw new InvalidOptionError('historyMs', 'must be >= windowMs');
  const slowOperationMs = numberOption('slowOperationMs', options.slowOperationMs, 100, 0);
  const slowLoaderMs = numberOption('slowLoaderMs', options.slowLoaderMs, 1000, 0);
  const flatRatio = numberOption('trendLatencyFlatRatio', options.trendLatencyFlatRatio, 0.1, 0);
  const flatDelta = numberOption(
    'trendHitRateFlatDelta',
    options.trendHitRateFlatDelta,
    0.02,
    0,
    1,
  );
  const readHeap = functionOption('readHeap', options.readHeap, defaultReadHeap);
  const onMemoryPressure = functionOption<((p: MemoryPressure) => void) | undefined>(
    'onMemoryPressure',
    options.onMemoryPressure,
    undefined,
  );
  const cooldownMs = numberOption(
    'memoryPressureCooldownMs',
    options.memoryPressureCooldownMs,
    30_000,
    0,
  );
  const intervalMs = numberOption('intervalMs', options.intervalMs, 0, 0);
  const syncIntervalMs = numberOption('syncIntervalMs', options.syncIntervalMs, 1000, 0);
  const logger = options.logger ?? noopLogger;
  if (typeof logger?.warn !== 'function')
    throw new InvalidOptionError('logger', 'expected a Logger');

  const window = new RollingWindow(sliceMs, Math.ceil(historyMs / sliceMs) + 1, now);
  let hits = 0;
  let misses = 0;
  let syncedHits = 0;
  let syncedMisses = 0;
  const fromCore = coreCounters(cache) !== undefined;
  /** Moves the lookups counted since the last sync into the current slice. */
  const readCore = () => {
    hits = 0;
    misses = 0;
    for (const n of coreCounters(cache) ?? []) {
      hits += n.l1Hits + n.l2Hits;
      misses += n.misses;
    }
  };
  /** Depth of running `untracked` calls: while above 0, lookups are dropped at each sync. */
  let untrackedDepth = 0;
  const sync = () => {
    if (fromCore) readCore();
    const slice = window.current();
    if (untrackedDepth === 0) {
      slice.hits += hits - syncedHits;
      slice.misses += misses - syncedMisses;
    }
    syncedHits = hits;
    syncedMisses = misses;
    return slice;
  };
  // Core's kit emitter: a failing listener must not break the monitor.
  const events = new TypedEmitter<HealthMonitorEventMap>();
  const slow = (op: SlowOperation): void => {
    logger.warn({ ...op }, `cachestack: slow ${op.kind} ${op.operation}`);
    events.emit('slow', op);
  };

  const onL2 = (message: unknown): void => {
    const m = message as { operation?: unknown; durationMs?: unknown; ok?: unknown };
    if (typeof m?.durationMs !== 'number') return;
    // L2 calls made by untracked runs (warmups, checks) are not traffic either.
    if (untrackedDepth === 0) {
      const s = sync();
      s.l2Calls++;
      if (m.ok === false) s.l2Errors++;
      s.addLatency(m.durationMs);
    }
    if (m.durationMs > slowOperationMs) {
      slow({
        kind: 'l2',
        operation: String(m.operation),
        durationMs: m.durationMs,
        thresholdMs: slowOperationMs,
      });
    }
  };
  const onBus = (message: unknown): void => {
    const lag = (message as { lagMs?: unknown })?.lagMs;
    if (typeof lag === 'number' && Number.isFinite(lag)) sync().addBusLag(Math.max(0, lag));
  };
  subscribe(channelNames.coreL2, onL2);
  subscribe(channelNames.busReceive, onBus);
  const offs: (() => void)[] = [
    () => unsubscribe(channelNames.coreL2, onL2),
    () => unsubscribe(channelNames.busReceive, onBus),
    cache.on('load', (p) => {
      if (p.durationMs > slowLoaderMs) {
        slow({
          kind: 'loader',
          operation: 'load',
          durationMs: p.durationMs,
          thresholdMs: slowLoaderMs,
          namespace: p.namespace,
          key: p.key,
        });
      }
    }),
  ];

  if (fromCore) {
    // Lookups before the monitor existed belong to no slice.
    readCore();
    syncedHits = hits;
    syncedMisses = misses;
  } else {
    offs.push(
      cache.on('hit', () => {
        if (untrackedDepth === 0) hits++;
      }),
      cache.on('miss', () => {
        if (untrackedDepth === 0) misses++;
      }),
    );
  }
  let closed = false;
  let lastStatus: HealthStatus | undefined;
  let lastPressureAt = Number.NEGATIVE_INFINITY;

  const rate = (num: number, den: number, min = thresholds.minSamples) =>
    den >= min ? num / den : undefined;
  const readMemory = (): { ratio: number; heap: HeapReading } | undefined => {
    try {
      const heap = readHeap();
      if (!(heap.limitBytes > 0)) return undefined;
      return { ratio: heap.usedBytes / heap.limitBytes, heap };
    } catch (error) {
      logger.warn({ err: error }, 'cachestack: heap reading failed');
      return undefined;
    }
  };

  const check = (): HealthReport => {
    if (closed) throw new ClosedError('health monitor');
    sync();
    const t = now();
    const totals: Totals = window.sum(window.idAt(t - windowMs) + 1, window.idAt(t));
    const stats = cache.stats();
    const memory = readMemory();
    const report = scoreHealth(
      {
        hitRate: rate(totals.hits, totals.hits + totals.misses, thresholds.minLookups),
        l2ErrorRate: rate(totals.l2Errors, totals.l2Calls),
        circuit: stats.circuit,
        latencyP95Ms:
          totals.latencySamples >= thresholds.minSamples
            ? percentileOf(totals.latency, 95)
            : undefined,
        memoryRatio: memory?.ratio,
        busLagP95Ms:
          totals.busLagSamples >= thresholds.minSamples
            ? percentileOf(totals.busLag, 95)
            : undefined,
        window: {
          windowMs,
          lookups: totals.hits + totals.misses,
          l2Calls: totals.l2Calls,
          latencySamples: totals.latencySamples,
          busLagSamples: totals.busLagSamples,
        },
      },
      weights,
      thresholds,
      t,
    );
    if (memory && memory.ratio >= thresholds.memoryWarnRatio && t - lastPressureAt >= cooldownMs) {
      lastPressureAt = t;
      const pressure: MemoryPressure = {
        ...memory.heap,
        ratio: memory.ratio,
        level: memory.ratio >= thresholds.memoryCriticalRatio ? 'critical' : 'warning',
        l1Entries: stats.l1Entries,
        l1Bytes: stats.l1Bytes,
      };
      logger.warn({ ...pressure }, 'cachestack: memory pressure');
      events.emit('memory-pressure', pressure);
      try {
        onMemoryPressure?.(pressure);
      } catch (error) {
        logger.warn({ err: error }, 'cachestack: onMemoryPressure failed');
      }
    }
    if (report.status !== lastStatus) {
      const from = lastStatus;
      lastStatus = report.status;
      events.emit('status', { from, to: report.status, report });
    }
    return report;
  };

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          try {
            check();
          } catch (error) {
            logger.warn({ err: error }, 'cachestack: health check failed');
          }
        }, intervalMs)
      : undefined;
  timer?.unref?.();
  const syncTimer = syncIntervalMs > 0 ? setInterval(sync, syncIntervalMs) : undefined;
  syncTimer?.unref?.();

  const close = (): void => {
    if (closed) return;
    closed = true;
    if (timer) clearInterval(timer);
    if (syncTimer) clearInterval(syncTimer);
    for (const off of offs) off();
    events.clear();
  };

  return {
    check,
    trends(minutes: number): Trends {
      if (closed) throw new ClosedError('health monitor');
      const spanMs = numberOption('minutes', minutes, 0, 0, historyMs / 60_000) * 60_000;
      if (spanMs < 2 * sliceMs) {
        throw new InvalidOptionError(
          'minutes',
          `must cover at least two slices (${(2 * sliceMs) / 60_000} min)`,
        );
      }
      sync();
      return computeTrends(window, now(), spanMs, sliceMs, flatDelta, flatRatio);
    },
    recordLatency(durationMs: number, operation = 'operation'): void {
      if (closed) throw new ClosedError('health monitor');
      if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
        throw new InvalidOptionError('durationMs', 'expected a finite number >= 0');
      }
      sync().addLatency(durationMs);
      if (durationMs > slowOperationMs) {
        slow({ kind: 'operation', operation, durationMs, thresholdMs: slowOperationMs });
      }
    },
    async untracked<T>(run: () => T | PromiseLike<T>): Promise<T> {
      if (closed) throw new ClosedError('health monitor');
      if (typeof run !== 'function') throw new InvalidOptionError('run', 'must be a function');
      // Lookups up to now are traffic; from here until the run settles they are not.
      sync();
      untrackedDepth++;
      try {
        return await run();
      } finally {
        sync();
        untrackedDepth--;
      }
    },
    on(name, listener) {
      if (closed) throw new ClosedError('health monitor');
      return events.on(name, listener);
    },
    close,
    [Symbol.dispose]: close,
  };
}
