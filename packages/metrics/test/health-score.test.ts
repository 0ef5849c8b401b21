import { describe, expect, it } from 'vitest';
import {
  type HealthSignals,
  resolveWeights,
  scoreHealth,
  defaultHealthThresholds as T,
  defaultHealthWeights as W,
} from '../src/index.js';

const healthy: HealthSignals = {
  hitRate: 0.95,
  l2ErrorRate: 0,
  circuit: 'closed',
  latencyP95Ms: 5,
  memoryRatio: 0.3,
  busLagP95Ms: 2,
};
const score = (s: Partial<HealthSignals>) => scoreHealth({ ...healthy, ...s }, W, T, 0);

describe('scoreHealth (documented rules)', () => {
  it('scores a healthy cache 100 with no issues', () => {
    const r = score({});
    expect(r).toMatchObject({ score: 100, status: 'healthy', issues: [] });
  });

  it('counts a signal without enough data as healthy', () => {
    const r = score({ hitRate: undefined, l2ErrorRate: undefined, latencyP95Ms: undefined });
    expect(r.score).toBe(100);
  });

  it('scores L2 down (circuit open, all L2 calls failing) 60 and degraded with two critical issues', () => {
    const r = score({ circuit: 'open', l2ErrorRate: 1 });
    expect(r.score).toBe(60);
    expect(r.status).toBe('degraded');
    expect(r.issues.map((i) => [i.signal, i.severity])).toEqual([
      ['l2ErrorRate', 'critical'],
      ['circuit', 'critical'],
    ]);
    for (const issue of r.issues) expect(issue.recommendation.length).toBeGreaterThan(20);
  });

  it('scores a half-open circuit at half its weight, as a warning', () => {
    const r = score({ circuit: 'half-open' });
    expect(r.score).toBe(90);
    expect(r.status).toBe('healthy');
    expect(r.issues).toEqual([expect.objectContaining({ signal: 'circuit', severity: 'warning' })]);
  });

  it('scores a hit rate linearly between its thresholds', () => {
    // 0.65 is halfway between 0.5 and 0.8: half of the 25 points are lost
    expect(score({ hitRate: 0.65 }).score).toBe(88);
    expect(score({ hitRate: 0.65 }).issues[0]?.severity).toBe('warning');
  });

  it('scores a hit rate at or below its critical threshold 75 and degraded', () => {
    const r = score({ hitRate: 0.3 });
    expect(r.score).toBe(75);
    expect(r.status).toBe('degraded');
    expect(r.issues[0]).toMatchObject({ signal: 'hitRate', severity: 'critical' });
  });

  it('scores a p95 latency four times the target as degraded even though the score is 85', () => {
    const r = score({ latencyP95Ms: 250 });
    expect(r.score).toBe(85);
    expect(r.status).toBe('degraded');
    expect(r.issues[0]).toMatchObject({ signal: 'latency', severity: 'critical' });
  });

  it('scores everything failing 0 and critical', () => {
    const r = score({
      hitRate: 0,
      l2ErrorRate: 1,
      circuit: 'open',
      latencyP95Ms: 10_000,
      memoryRatio: 0.99,
      busLagP95Ms: 5000,
    });
    expect(r).toMatchObject({ score: 0, status: 'critical' });
    expect(r.issues).toHaveLength(6);
  });

  it('applies configured weights and ignores zero-weight signals', () => {
    const weights = resolveWeights({
      hitRate: 1,
      l2ErrorRate: 0,
      circuit: 0,
      latency: 0,
      memory: 0,
      busLag: 0,
    });
    const r = scoreHealth({ ...healthy, hitRate: 0.65, circuit: 'open' }, weights, T, 0);
    expect(r.score).toBe(50);
    expect(r.issues.map((i) => i.signal)).toEqual(['hitRate']);
  });
});
