import type { HealthThresholds, HealthWeights } from './health-options.js';

/** Overall state derived from the score. */
export type HealthStatus = 'healthy' | 'degraded' | 'critical';

/** Names of the health signals. */
export type HealthSignalName = keyof HealthWeights;

/** What a check's rates and percentiles were measured over. */
export interface HealthWindow {
  /** Length of the window, in ms. */
  readonly windowMs: number;
  /** Lookups (hits + misses) counted in it; reads in `untracked` runs are not. */
  readonly lookups: number;
  /** L2 calls in it. */
  readonly l2Calls: number;
  /** Latency samples (L2 calls and `recordLatency`) in it. */
  readonly latencySamples: number;
  /** Bus delivery-lag samples in it. */
  readonly busLagSamples: number;
}

/** Measured inputs of a health score; `undefined` means "not enough data". */
export interface HealthSignals {
  /** hits / (hits + misses) over the window. */
  readonly hitRate: number | undefined;
  /** failed / all L2 calls over the window. */
  readonly l2ErrorRate: number | undefined;
  /** L2 circuit breaker state (`none` without L2). */
  readonly circuit: 'closed' | 'half-open' | 'open' | 'none';
  /** p95 of the operation latencies over the window, in ms. */
  readonly latencyP95Ms: number | undefined;
  /** Heap used / heap limit. */
  readonly memoryRatio: number | undefined;
  /** p95 of bus delivery lag over the window, in ms. */
  readonly busLagP95Ms: number | undefined;
  /** The window the rates and percentiles come from (issue messages name it). */
  readonly window?: HealthWindow;
}

/** A windowed signal that gave no verdict because its window held too few samples. */
export interface PendingSignal {
  readonly signal: 'hitRate' | 'l2ErrorRate' | 'latency' | 'busLag';
  /** Samples in the window (lookups for the hit rate). */
  readonly samples: number;
  /** Samples needed for a verdict (`minLookups` for the hit rate, else `minSamples`). */
  readonly minSamples: number;
  readonly windowMs: number;
  /** E.g. "hit rate: not enough traffic yet (3 of 100 lookups in the last 1 min)". */
  readonly message: string;
}

/** One signal's contribution to the score. */
export interface SignalScore {
  /** The measured value (`undefined`: not enough data, scored as healthy). */
  readonly value: number | string | undefined;
  /** 0 (at or past its critical threshold) .. 1 (healthy). */
  readonly score: number;
  readonly weight: number;
}

/** A problem found by the health check. */
export interface HealthIssue {
  readonly signal: HealthSignalName;
  /** `critical` when the signal is at or past its critical threshold, else `warning`. */
  readonly severity: 'warning' | 'critical';
  /** What was measured, over which window, against which threshold. */
  readonly message: string;
  /** What to do about it. */
  readonly recommendation: string;
  /**
   * The window the value was measured over, in ms; `undefined` for a reading of the
   * current state (circuit, heap).
   */
  readonly windowMs: number | undefined;
  /** Samples behind a windowed value (lookups, L2 calls, latency or bus-lag samples). */
  readonly samples: number | undefined;
}

/** The result of a health check. */
export interface HealthReport {
  /** 0..100, the weighted mean of the signal scores. */
  readonly score: number;
  readonly status: HealthStatus;
  readonly signals: Readonly<Record<HealthSignalName, SignalScore>>;
  readonly issues: readonly HealthIssue[];
  /** When the check ran (the monitor's clock). */
  readonly at: number;
  /** The window of the rates and percentiles (when the signals named one). */
  readonly window: HealthWindow | undefined;
  /** Windowed signals without a verdict yet (too few samples in the window). */
  readonly pending: readonly PendingSignal[];
  /**
   * One line for people: `healthy`; `not enough traffic yet` while healthy and the hit
   * rate has no verdict; else the status and the issues' messages.
   */
  readonly summary: string;
}

/** 1 at or below `warn`, 0 at or above `critical`, linear between. */
function lowerIsBetter(value: number, warn: number, critical: number): number {
  if (value <= warn) return 1;
  if (value >= critical) return 0;
  return (critical - value) / (critical - warn);
}

/** 1 at or above `warn`, 0 at or below `critical`, linear between. */
function higherIsBetter(value: number, warn: number, critical: number): number {
  if (value >= warn) return 1;
  if (value <= critical) return 0;
  return (value - critical) / (warn - critical);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const ms = (v: number) => `${v.toFixed(1)}ms`;

/** "30 s", "1 min", "90 min", "2 h". */
export function formatWindow(windowMs: number): string {
  if (windowMs < 60_000) return `${Math.round(windowMs / 1000)} s`;
  if (windowMs < 7_200_000 || windowMs % 3_600_000 !== 0) {
    return `${Number((windowMs / 60_000).toFixed(1))} min`;
  }
  return `${windowMs / 3_600_000} h`;
}

/**
 * Scores health signals by the documented rules: each signal scores 1 inside its
 * warning threshold, 0 at its critical threshold, linearly between (circuit: closed 1,
 * half-open 0.5, open 0; a signal without enough data scores 1); the score is the
 * weighted mean times 100, rounded. Status: below `criticalBelow` critical; below
 * `degradedBelow`, or any critical issue, degraded; else healthy.
 */
export function scoreHealth(
  signals: HealthSignals,
  weights: HealthWeights,
  t: HealthThresholds,
  at: number,
): HealthReport {
  const issues: HealthIssue[] = [];
  const w = signals.window;
  const over = (samples: number | undefined, unit: string) =>
    w === undefined ? '' : ` over the last ${formatWindow(w.windowMs)} (${samples} ${unit})`;
  const issue = (
    signal: HealthSignalName,
    score: number,
    message: string,
    recommendation: string,
    samples?: number,
  ): void => {
    if (score >= 1 || weights[signal] === 0) return;
    issues.push({
      signal,
      severity: score <= 0 ? 'critical' : 'warning',
      message,
      recommendation,
      windowMs: samples === undefined ? undefined : w?.windowMs,
      samples,
    });
  };
  const pending: PendingSignal[] = [];
  const wait = (
    signal: PendingSignal['signal'],
    label: string,
    samples: number,
    minSamples: number,
    unit: string,
  ): void => {
    if (w === undefined || weights[signal] === 0) return;
    pending.push({
      signal,
      samples,
      minSamples,
      windowMs: w.windowMs,
      message: `${label}: not enough traffic yet (${samples} of ${minSamples} ${unit} in the last ${formatWindow(w.windowMs)})`,
    });
  };

  const hit =
    signals.hitRate === undefined
      ? 1
      : higherIsBetter(signals.hitRate, t.hitRateWarn, t.hitRateCritical);
  if (signals.hitRate !== undefined) {
    issue(
      'hitRate',
      hit,
      `hit rate ${pct(signals.hitRate)}${over(w?.lookups, 'lookups')} is below ${pct(t.hitRateWarn)}`,
      'Raise the TTL or L1 size (maxEntries/maxBytes), use grace, warm hot keys, and check that keys are not too specific.',
      w?.lookups,
    );
  } else if (w !== undefined) {
    wait('hitRate', 'hit rate', w.lookups, t.minLookups, 'lookups');
  }
  const l2 =
    signals.l2ErrorRate === undefined
      ? 1
      : lowerIsBetter(signals.l2ErrorRate, t.l2ErrorRateWarn, t.l2ErrorRateCritical);
  if (signals.l2ErrorRate !== undefined) {
    issue(
      'l2ErrorRate',
      l2,
      `L2 error rate ${pct(signals.l2ErrorRate)}${over(w?.l2Calls, 'L2 calls')} is above ${pct(t.l2ErrorRateWarn)}`,
      'Check the L2 server (reachability, load, memory) and the L2 timeoutMs; serve stale values with grace meanwhile.',
      w?.l2Calls,
    );
  } else if (w !== undefined && w.l2Calls > 0) {
    wait('l2ErrorRate', 'L2 error rate', w.l2Calls, t.minSamples, 'L2 calls');
  }
  const circuit = signals.circuit === 'open' ? 0 : signals.circuit === 'half-open' ? 0.5 : 1;
  issue(
    'circuit',
    circuit,
    `L2 circuit breaker is ${signals.circuit} (now)`,
    'L2 is failing and is bypassed: restore the L2 server; the cache serves from L1 and recovers by itself.',
  );
  const latency =
    signals.latencyP95Ms === undefined
      ? 1
      : lowerIsBetter(signals.latencyP95Ms, t.latencyP95TargetMs, t.latencyP95CriticalMs);
  if (signals.latencyP95Ms !== undefined) {
    issue(
      'latency',
      latency,
      `latency p95 ${ms(signals.latencyP95Ms)}${over(w?.latencySamples, 'samples')} is above the ${ms(t.latencyP95TargetMs)} target`,
      'Look for slow L2 calls (network, large values: enable compression) and raise the L1 hit rate.',
      w?.latencySamples,
    );
  } else if (w !== undefined && w.latencySamples > 0) {
    wait('latency', 'latency', w.latencySamples, t.minSamples, 'samples');
  }
  const memory =
    signals.memoryRatio === undefined
      ? 1
      : lowerIsBetter(signals.memoryRatio, t.memoryWarnRatio, t.memoryCriticalRatio);
  if (signals.memoryRatio !== undefined) {
    issue(
      'memory',
      memory,
      `heap use ${pct(signals.memoryRatio)} of its limit (now) is above ${pct(t.memoryWarnRatio)}`,
      'Bound L1 by bytes (l1.maxBytes) or lower maxEntries, or raise --max-old-space-size.',
    );
  }
  const bus =
    signals.busLagP95Ms === undefined
      ? 1
      : lowerIsBetter(signals.busLagP95Ms, t.busLagWarnMs, t.busLagCriticalMs);
  if (signals.busLagP95Ms !== undefined) {
    issue(
      'busLag',
      bus,
      `bus delivery lag p95 ${ms(signals.busLagP95Ms)}${over(w?.busLagSamples, 'messages')} is above ${ms(t.busLagWarnMs)}`,
      'Check the bus Redis connection and event-loop delay of the instances; stale L1 reads last as long as this lag.',
      w?.busLagSamples,
    );
  } else if (w !== undefined && w.busLagSamples > 0) {
    wait('busLag', 'bus delivery lag', w.busLagSamples, t.minSamples, 'messages');
  }

  const scores: Record<HealthSignalName, SignalScore> = {
    hitRate: { value: signals.hitRate, score: hit, weight: weights.hitRate },
    l2ErrorRate: { value: signals.l2ErrorRate, score: l2, weight: weights.l2ErrorRate },
    circuit: { value: signals.circuit, score: circuit, weight: weights.circuit },
    latency: { value: signals.latencyP95Ms, score: latency, weight: weights.latency },
    memory: { value: signals.memoryRatio, score: memory, weight: weights.memory },
    busLag: { value: signals.busLagP95Ms, score: bus, weight: weights.busLag },
  };
  let sum = 0;
  let total = 0;
  for (const s of Object.values(scores)) {
    sum += s.score * s.weight;
    total += s.weight;
  }
  const score = Math.round((sum / total) * 100);
  const status: HealthStatus =
    score < t.criticalBelow
      ? 'critical'
      : score < t.degradedBelow || issues.some((i) => i.severity === 'critical')
        ? 'degraded'
        : 'healthy';
  const summary =
    status === 'healthy' && issues.length === 0
      ? pending.some((p) => p.signal === 'hitRate')
        ? 'not enough traffic yet'
        : 'healthy'
      : `${status}: ${issues.map((i) => i.message).join('; ')}`;
  return { score, status, signals: scores, issues, at, window: w, pending, summary };
}
