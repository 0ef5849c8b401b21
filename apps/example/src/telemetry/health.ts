import type { CacheStackConfig } from '@cachestack/config';
import type { StatsRecorder } from './recorder.js';

/** The health report served by `/cache/health`. */
export interface HealthReport {
  /** 0-100. */
  readonly score: number;
  readonly status: 'healthy' | 'degraded' | 'critical';
  readonly issues: { signal: string; severity: 'warning' | 'critical'; message: string }[];
  readonly recommendations: string[];
  readonly signals: { hitRate: number; p95Ms: number; l2ErrorRate: number; reads: number };
  /** Where the score comes from. */
  readonly source: string;
}

/**
 * Scores health from the last minute of figures with the thresholds and weights of
 * `config.metrics.health`. This is the app's stand-in until `createHealthMonitor` from
 * @cachestack/metrics is on main; the report has the same fields (score, status, issues,
 * recommendations) so the switch does not change the API.
 */
export function scoreHealth(
  recorder: StatsRecorder,
  config: CacheStackConfig,
  circuit: string,
): HealthReport {
  const h = config.metrics.health;
  const { counts, l2Errors, p95 } = recorder.window(60_000);
  const hits = counts.l1 + counts.l2 + counts.stale;
  const reads = hits + counts.miss;
  const hitRate = reads === 0 ? 1 : hits / reads;
  const l2Calls = counts.l2 + counts.miss + l2Errors;
  const l2ErrorRate = l2Calls === 0 ? 0 : l2Errors / l2Calls;
  const issues: HealthReport['issues'] = [];
  const recommendations: string[] = [];

  // Each signal scores 1 at or better than its warning level, 0 at or past critical.
  const between = (value: number, good: number, bad: number) =>
    good === bad ? (value <= good ? 1 : 0) : Math.min(1, Math.max(0, (bad - value) / (bad - good)));
  const hitScore =
    reads < 20 ? 1 : between(1 - hitRate, 1 - h.hitRate.warning, 1 - h.hitRate.critical);
  const latencyScore = between(p95, h.latencyP95TargetMs, h.latencyP95TargetMs * 4);
  const errorScore = between(l2ErrorRate, h.l2ErrorRate.warning, h.l2ErrorRate.critical);

  if (reads >= 20 && hitRate < h.hitRate.warning) {
    const critical = hitRate < h.hitRate.critical;
    issues.push({
      signal: 'hitRate',
      severity: critical ? 'critical' : 'warning',
      message: `hit rate ${(hitRate * 100).toFixed(1)}% is below ${(h.hitRate.warning * 100).toFixed(0)}%`,
    });
    recommendations.push(
      'Warm the hot keys (POST /cache/warmup) or raise the TTLs of busy namespaces.',
    );
  }
  if (p95 > h.latencyP95TargetMs) {
    issues.push({
      signal: 'latency',
      severity: latencyScore === 0 ? 'critical' : 'warning',
      message: `p95 read latency ${p95.toFixed(1)} ms is above the ${h.latencyP95TargetMs} ms target`,
    });
    recommendations.push('Raise l1.maxEntries/maxBytes so more reads are served from memory.');
  }
  if (l2ErrorRate > h.l2ErrorRate.warning) {
    issues.push({
      signal: 'l2ErrorRate',
      severity: l2ErrorRate > h.l2ErrorRate.critical ? 'critical' : 'warning',
      message: `L2 error rate ${(l2ErrorRate * 100).toFixed(2)}%`,
    });
    recommendations.push('Check the L2 (Redis or disk); reads fall back to L1 and the database.');
  }
  if (circuit === 'open') {
    issues.push({ signal: 'circuit', severity: 'critical', message: 'L2 circuit breaker is open' });
  }
  const w = h.weights;
  const total = w.hitRate + w.latency + w.errorRate;
  let score = Math.round(
    (100 * (w.hitRate * hitScore + w.latency * latencyScore + w.errorRate * errorScore)) / total,
  );
  if (circuit === 'open') score = Math.min(score, 40);
  const status = score >= 80 ? 'healthy' : score >= 50 ? 'degraded' : 'critical';
  return {
    score,
    status,
    issues,
    recommendations,
    signals: {
      hitRate: Math.round(hitRate * 10_000) / 10_000,
      p95Ms: p95,
      l2ErrorRate: Math.round(l2ErrorRate * 10_000) / 10_000,
      reads,
    },
    source: 'app (stand-in until @cachestack/metrics createHealthMonitor is on main)',
  };
}
