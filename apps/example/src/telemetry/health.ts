import type { CacheStackConfig } from '@cachestack/config';
import type { Logger } from '@cachestack/core';
import {
  createHealthMonitor,
  type HealthMonitor,
  type HealthReport,
  type Trends,
} from '@cachestack/metrics';
import type { CacheFacade } from '../cache/facade.js';

/** What `/cache/health` serves: the monitor's report plus its recommendations and trends. */
export interface AppHealthReport extends HealthReport {
  readonly recommendations: readonly string[];
  readonly trends: Trends;
}

/** The app's health monitor, rebuilt when the thresholds of the configuration change. */
export interface AppHealth {
  report(): AppHealthReport;
  recordLatency(ms: number): void;
  /** Runs `run` without counting its lookups as traffic (consistency checks, warmups). */
  untracked<T>(run: () => Promise<T>): Promise<T>;
  reconfigure(config: CacheStackConfig): void;
  close(): void;
}

function monitorFor(facade: CacheFacade, config: CacheStackConfig, logger: Logger): HealthMonitor {
  const h = config.metrics.health;
  return createHealthMonitor(facade, {
    thresholds: {
      hitRateWarn: h.hitRate.warning,
      hitRateCritical: h.hitRate.critical,
      l2ErrorRateWarn: h.l2ErrorRate.warning,
      l2ErrorRateCritical: h.l2ErrorRate.critical,
      latencyP95TargetMs: h.latencyP95TargetMs,
      latencyP95CriticalMs: h.latencyP95TargetMs * 4,
      minLookups: h.minLookups,
    },
    // The configuration weighs hit rate, latency and L2 errors (summing to 1); circuit,
    // memory and bus lag keep the monitor's default weights on its 0-100 scale.
    weights: {
      hitRate: h.weights.hitRate * 60,
      latency: h.weights.latency * 60,
      l2ErrorRate: h.weights.errorRate * 60,
    },
    windowMs: 60_000,
    sliceMs: 5_000,
    // Logged as warnings: only what is really slow for a cached read.
    slowOperationMs: 250,
    logger,
  });
}

/** Health from `createHealthMonitor` of @cachestack/metrics, fed by the cache facade. */
export function createAppHealth(
  facade: CacheFacade,
  config: CacheStackConfig,
  logger: Logger,
): AppHealth {
  let monitor = monitorFor(facade, config, logger);
  return {
    report() {
      const report = monitor.check();
      return {
        ...report,
        recommendations: [...new Set(report.issues.map((i) => i.recommendation))],
        trends: monitor.trends(10),
      };
    },
    recordLatency(ms) {
      monitor.recordLatency(ms, 'api-read');
    },
    untracked(run) {
      return monitor.untracked(run);
    },
    reconfigure(next) {
      monitor.close();
      monitor = monitorFor(facade, next, logger);
    },
    close() {
      monitor.close();
    },
  };
}
