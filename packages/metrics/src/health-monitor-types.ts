import type { Logger } from '@cachestack/core';
import type { HealthThresholds, HealthWeights } from './health-options.js';
import type { HealthReport, HealthStatus } from './health-score.js';
import type { Trends } from './trends.js';

/** Heap figures, as returned by {@link HealthMonitorOptions.readHeap}. */
export interface HeapReading {
  readonly usedBytes: number;
  readonly limitBytes: number;
}

/** Payload of the `memory-pressure` event and of `onMemoryPressure`. */
export interface MemoryPressure extends HeapReading {
  /** usedBytes / limitBytes. */
  readonly ratio: number;
  /** `critical` at or above `memoryCriticalRatio`, else `warning`. */
  readonly level: 'warning' | 'critical';
  /** L1 size when the pressure was detected. */
  readonly l1Entries: number;
  readonly l1Bytes: number;
}

/** Payload of the `slow` event. */
export interface SlowOperation {
  /** `l2`: an L2 call; `loader`: a loader run; `operation`: recorded with `recordLatency`. */
  readonly kind: 'l2' | 'loader' | 'operation';
  readonly operation: string;
  readonly durationMs: number;
  readonly thresholdMs: number;
  readonly namespace?: string;
  readonly key?: string;
}

/** Events of a {@link HealthMonitor}. */
export interface HealthMonitorEventMap {
  /** An operation took longer than its threshold. */
  slow: SlowOperation;
  /** Heap use crossed `memoryWarnRatio` (at most once per `memoryPressureCooldownMs`). */
  'memory-pressure': MemoryPressure;
  /** A check found a different status than the previous one. */
  status: { from: HealthStatus | undefined; to: HealthStatus; report: HealthReport };
}

/** Options of {@link createHealthMonitor}. */
export interface HealthMonitorOptions {
  /** Signal weights (merged over {@link defaultHealthWeights}). */
  readonly weights?: Partial<HealthWeights>;
  /** Thresholds (merged over {@link defaultHealthThresholds}). */
  readonly thresholds?: Partial<HealthThresholds>;
  /** Window of the rates and percentiles of a check, in ms. @defaultValue `300_000` (5 min) */
  readonly windowMs?: number;
  /** Length of one time slice, in ms. @defaultValue `10_000` */
  readonly sliceMs?: number;
  /** How far back `trends()` can look, in ms. @defaultValue `3_600_000` (60 min) */
  readonly historyMs?: number;
  /** L2 calls and recorded operations slower than this emit `slow`. @defaultValue `100` */
  readonly slowOperationMs?: number;
  /** Loader runs slower than this emit `slow`. @defaultValue `1000` */
  readonly slowLoaderMs?: number;
  /** Relative p95 change under which the latency trend is flat. @defaultValue `0.1` */
  readonly trendLatencyFlatRatio?: number;
  /** Hit-rate change (absolute) under which the hit-rate trend is flat. @defaultValue `0.02` */
  readonly trendHitRateFlatDelta?: number;
  /** Reads the process heap. @defaultValue `node:v8` `getHeapStatistics()` (used_heap_size / heap_size_limit) */
  readonly readHeap?: () => HeapReading;
  /**
   * Called on memory pressure, e.g. to shrink L1 (core has no shrink API yet: clear a
   * low-priority namespace, or rebuild the cache with a smaller bound).
   * @defaultValue none
   */
  readonly onMemoryPressure?: (pressure: MemoryPressure) => void;
  /** Minimum time between two memory-pressure signals, in ms. @defaultValue `30_000` */
  readonly memoryPressureCooldownMs?: number;
  /** Run `check()` every `intervalMs` (0: only when called). @defaultValue `0` */
  readonly intervalMs?: number;
  /**
   * Lookups are counted with a plain increment (no clock read on the hot path) and moved
   * into the current time slice at each sync: every `syncIntervalMs` (a real, unref'd
   * timer; 0 disables it) and at every `check()`, `trends()`, `recordLatency()` and L2
   * call. A lookup is thus attributed to a slice at most this late.
   * @defaultValue `1000`
   */
  readonly syncIntervalMs?: number;
  /** Clock in ms. @defaultValue `Date.now` */
  readonly now?: () => number;
  /** Receives slow-operation and memory-pressure warnings. @defaultValue no-op */
  readonly logger?: Logger;
}

/** A listener of a health monitor event. */
export type HealthMonitorListener<E extends keyof HealthMonitorEventMap> = (
  payload: HealthMonitorEventMap[E],
) => void;

/** A running health monitor; see {@link createHealthMonitor}. */
export interface HealthMonitor {
  /** Scores the last `windowMs`, reads the heap and signals memory pressure. */
  check(): HealthReport;
  /** Hit-rate and latency trends over the last `minutes` (earlier half vs recent half). */
  trends(minutes: number): Trends;
  /**
   * Runs `run` and does not count the lookups and L2 calls made meanwhile as traffic:
   * reads of a consistency checker, a warmup or an admin tool would otherwise move the hit
   * rate, the L2 error rate and the latency. They are counted per process, not per
   * caller, so live traffic while it runs is left out too (the signals then rest on fewer
   * samples; they are never skewed by the excluded reads). `recordLatency` still counts,
   * and slow operations are still reported. Runs may nest and overlap.
   * @returns what `run` returns (awaited).
   */
  untracked<T>(run: () => T | PromiseLike<T>): Promise<T>;
  /** Records the duration of an application operation (counts towards latency p95). */
  recordLatency(durationMs: number, operation?: string): void;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<E extends keyof HealthMonitorEventMap>(
    name: E,
    listener: HealthMonitorListener<E>,
  ): () => void;
  /** Unsubscribes and stops the timer. Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}
