import type { HealthThresholds, HealthWeights } from './health-options.js';

/** Overall state derived from the score. */
export type HealthStatus = 'healthy' | 'degraded' | 'critical';

/** Names of the health signals. */
export type HealthSignalName = keyof HealthWeights;

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
  readonly message: string;
  /** What to do about it. */
  readonly recommendation: string;
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
  const issue = (
    signal: HealthSignalName,
    score: number,
    message: string,
    recommendation: string,
  ): void => {
    if (score >= 1 || weights[signal] === 0) return;
    issues.push({ signal, severity: score <= 0 ? 'critical' : 'warning', message, recommendation });
  };

  const hit =
    signals.hitRate === undefined
      ? 1
      : higherIsBetter(signals.hitRate, t.hitRateWarn, t.hitRateCritical);
  if (signals.hitRate !== undefined) {
    issue(
      'hitRate',
      hit,
      `hit rate ${pct(signals.hitRate)} is below ${pct(t.hitRateWarn)}`,
      'Raise the TTL or L1 size (maxEntries/maxBytes), use grace, warm hot keys, and check that keys are not too specific.',
    );
  }
  const l2 =
    signals.l2ErrorRate === undefined
      ? 1
      : lowerIsBetter(signals.l2ErrorRate, t.l2ErrorRateWarn, t.l2ErrorRateCritical);
  if (signals.l2ErrorRate !== undefined) {
    issue(
      'l2ErrorRate',
      l2,
      `L2 error rate ${pct(signals.l2ErrorRate)} is above ${pct(t.l2ErrorRateWarn)}`,
      'Check the L2 server (reachability, load, memory) and the L2 timeoutMs; serve stale values with grace meanwhile.',
    );
  }
  const circuit = signals.circuit === 'open' ? 0 : signals.circuit === 'half-open' ? 0.5 : 1;
  issue(
    'circuit',
    circuit,
    `L2 circuit breaker is ${signals.circuit}`,
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
      `latency p95 ${ms(signals.latencyP95Ms)} is above the ${ms(t.latencyP95TargetMs)} target`,
      'Look for slow L2 calls (network, large values: enable compression) and raise the L1 hit rate.',
    );
  }
  const memory =
    signals.memoryRatio === undefined
      ? 1
      : lowerIsBetter(signals.memoryRatio, t.memoryWarnRatio, t.memoryCriticalRatio);
  if (signals.memoryRatio !== undefined) {
    issue(
      'memory',
      memory,
      `heap use ${pct(signals.memoryRatio)} of its limit is above ${pct(t.memoryWarnRatio)}`,
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
      `bus delivery lag p95 ${ms(signals.busLagP95Ms)} is above ${ms(t.busLagWarnMs)}`,
      'Check the bus Redis connection and event-loop delay of the instances; stale L1 reads last as long as this lag.',
    );
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
  return { score, status, signals: scores, issues, at };
}
