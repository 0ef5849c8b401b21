import { InvalidOptionError } from '@cachestack/core';
import { assertObject, numberOption } from './options.js';

/**
 * Weights of the health signals. The score is the weighted mean of the signal scores
 * (each 0..1) times 100; weights need not sum to 100. A weight of 0 ignores a signal.
 */
export interface HealthWeights {
  /** @defaultValue `25` */
  readonly hitRate: number;
  /** @defaultValue `20` */
  readonly l2ErrorRate: number;
  /** @defaultValue `20` */
  readonly circuit: number;
  /** @defaultValue `15` */
  readonly latency: number;
  /** @defaultValue `10` */
  readonly memory: number;
  /** @defaultValue `10` */
  readonly busLag: number;
}

/**
 * Thresholds of the health signals. Between a signal's warning and critical thresholds
 * its score falls linearly from 1 to 0.
 */
export interface HealthThresholds {
  /** Hit rate at or above which the hit-rate signal is fully healthy. @defaultValue `0.8` */
  readonly hitRateWarn: number;
  /** Hit rate at or below which the hit-rate signal scores 0. @defaultValue `0.5` */
  readonly hitRateCritical: number;
  /** L2 error rate (failed / all L2 calls) up to which the signal is healthy. @defaultValue `0.01` */
  readonly l2ErrorRateWarn: number;
  /** L2 error rate at or above which the signal scores 0. @defaultValue `0.1` */
  readonly l2ErrorRateCritical: number;
  /** Latency p95 target in ms: at or below it the latency signal is healthy. @defaultValue `50` */
  readonly latencyP95TargetMs: number;
  /** Latency p95 in ms at or above which the latency signal scores 0. @defaultValue `200` */
  readonly latencyP95CriticalMs: number;
  /** Heap used / heap limit up to which the memory signal is healthy. @defaultValue `0.7` */
  readonly memoryWarnRatio: number;
  /** Heap used / heap limit at or above which the memory signal scores 0. @defaultValue `0.9` */
  readonly memoryCriticalRatio: number;
  /** Bus delivery lag p95 in ms up to which the bus signal is healthy. @defaultValue `100` */
  readonly busLagWarnMs: number;
  /** Bus delivery lag p95 in ms at or above which the bus signal scores 0. @defaultValue `1000` */
  readonly busLagCriticalMs: number;
  /**
   * Lookups a window needs before the hit rate gives a verdict: an idle or freshly started
   * service has no hit rate worth judging. @defaultValue `100`
   */
  readonly minLookups: number;
  /** L2 calls, latency or bus-lag samples a window needs before its rate or percentile counts. @defaultValue `20` */
  readonly minSamples: number;
  /** Scores below this are `degraded`. @defaultValue `80` */
  readonly degradedBelow: number;
  /** Scores below this are `critical`. @defaultValue `50` */
  readonly criticalBelow: number;
}

/** The default weights. */
export const defaultHealthWeights: HealthWeights = Object.freeze({
  hitRate: 25,
  l2ErrorRate: 20,
  circuit: 20,
  latency: 15,
  memory: 10,
  busLag: 10,
});

/** The default thresholds. */
export const defaultHealthThresholds: HealthThresholds = Object.freeze({
  hitRateWarn: 0.8,
  hitRateCritical: 0.5,
  l2ErrorRateWarn: 0.01,
  l2ErrorRateCritical: 0.1,
  latencyP95TargetMs: 50,
  latencyP95CriticalMs: 200,
  memoryWarnRatio: 0.7,
  memoryCriticalRatio: 0.9,
  busLagWarnMs: 100,
  busLagCriticalMs: 1000,
  minLookups: 100,
  minSamples: 20,
  degradedBelow: 80,
  criticalBelow: 50,
});

/**
 * Merges partial weights over the defaults and validates them.
 * @throws InvalidOptionError for a negative or non-finite weight, an unknown name, or all zero.
 */
export function resolveWeights(weights: unknown): HealthWeights {
  if (weights === undefined) return defaultHealthWeights;
  assertObject('weights', weights);
  const out: Record<string, number> = { ...defaultHealthWeights };
  for (const [name, value] of Object.entries(weights)) {
    if (!(name in defaultHealthWeights))
      throw new InvalidOptionError(`weights.${name}`, 'unknown signal');
    out[name] = numberOption(`weights.${name}`, value, 0, 0);
  }
  if (Object.values(out).every((w) => w === 0)) {
    throw new InvalidOptionError('weights', 'at least one weight must be above 0');
  }
  return Object.freeze(out) as unknown as HealthWeights;
}

/**
 * Merges partial thresholds over the defaults and validates them (ranges and the order
 * of each warning/critical pair).
 * @throws InvalidOptionError
 */
export function resolveThresholds(thresholds: unknown): HealthThresholds {
  if (thresholds === undefined) return defaultHealthThresholds;
  assertObject('thresholds', thresholds);
  const out: Record<string, number> = { ...defaultHealthThresholds };
  for (const [name, value] of Object.entries(thresholds)) {
    if (!(name in defaultHealthThresholds)) {
      throw new InvalidOptionError(`thresholds.${name}`, 'unknown threshold');
    }
    const ratio = /Rate|Ratio/.test(name);
    const score = name === 'degradedBelow' || name === 'criticalBelow';
    out[name] = numberOption(`thresholds.${name}`, value, 0, 0, ratio ? 1 : score ? 100 : Infinity);
  }
  const t = out as unknown as HealthThresholds;
  const order = (
    warn: keyof HealthThresholds,
    critical: keyof HealthThresholds,
    higherIsBetter: boolean,
  ) => {
    if (higherIsBetter ? t[warn] <= t[critical] : t[warn] >= t[critical]) {
      throw new InvalidOptionError(
        `thresholds.${critical}`,
        `must be ${higherIsBetter ? 'below' : 'above'} thresholds.${warn}`,
      );
    }
  };
  order('hitRateWarn', 'hitRateCritical', true);
  order('l2ErrorRateWarn', 'l2ErrorRateCritical', false);
  order('latencyP95TargetMs', 'latencyP95CriticalMs', false);
  order('memoryWarnRatio', 'memoryCriticalRatio', false);
  order('busLagWarnMs', 'busLagCriticalMs', false);
  order('degradedBelow', 'criticalBelow', true);
  return Object.freeze(t);
}
