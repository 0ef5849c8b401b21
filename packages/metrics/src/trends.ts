import { percentileOf } from './latency-histogram.js';
import type { RollingWindow } from './rolling-window.js';

/** Direction of a trend. For latency, `up` means slower. */
export type TrendDirection = 'up' | 'down' | 'flat';

/** Trends over a span: its earlier half against its recent half. */
export interface Trends {
  /** Span covered, in minutes. */
  readonly minutes: number;
  readonly hitRate: {
    readonly direction: TrendDirection;
    /** Hit rate of the earlier half (`undefined`: no lookups). */
    readonly from: number | undefined;
    /** Hit rate of the recent half. */
    readonly to: number | undefined;
    /** Lookups in each half. */
    readonly samples: readonly [number, number];
  };
  readonly latency: {
    readonly direction: TrendDirection;
    /** p95 in ms of the earlier half. */
    readonly fromP95Ms: number | undefined;
    /** p95 in ms of the recent half. */
    readonly toP95Ms: number | undefined;
    readonly samples: readonly [number, number];
  };
}

/**
 * Compares the earlier and the recent half of the last `spanMs`. A direction is `flat`
 * when the change is under the flat bound or either half has no data.
 */
export function computeTrends(
  window: RollingWindow,
  t: number,
  spanMs: number,
  sliceMs: number,
  flatDelta: number,
  flatRatio: number,
): Trends {
  const end = window.idAt(t);
  const slices = Math.max(2, Math.round(spanMs / sliceMs));
  const half = Math.floor(slices / 2);
  const earlier = window.sum(end - slices + 1, end - half);
  const recent = window.sum(end - half + 1, end);
  const rateOf = (hits: number, misses: number) =>
    hits + misses > 0 ? hits / (hits + misses) : undefined;
  const from = rateOf(earlier.hits, earlier.misses);
  const to = rateOf(recent.hits, recent.misses);
  let hitDirection: TrendDirection = 'flat';
  if (from !== undefined && to !== undefined && Math.abs(to - from) >= flatDelta) {
    hitDirection = to > from ? 'up' : 'down';
  }
  const fromP95 = percentileOf(earlier.latency, 95);
  const toP95 = percentileOf(recent.latency, 95);
  let latencyDirection: TrendDirection = 'flat';
  if (fromP95 !== undefined && toP95 !== undefined) {
    const change = (toP95 - fromP95) / fromP95;
    if (Math.abs(change) >= flatRatio) latencyDirection = change > 0 ? 'up' : 'down';
  }
  return {
    minutes: spanMs / 60_000,
    hitRate: {
      direction: hitDirection,
      from,
      to,
      samples: [earlier.hits + earlier.misses, recent.hits + recent.misses],
    },
    latency: {
      direction: latencyDirection,
      fromP95Ms: fromP95,
      toP95Ms: toP95,
      samples: [earlier.latencySamples, recent.latencySamples],
    },
  };
}
