import type { Cache } from '@cachestack/core';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { StatsRecorder } from './recorder.js';

/** The Prometheus side of the app: an OpenTelemetry meter provider and its exporter. */
export interface PrometheusMetrics {
  /** The exposition text of every instrument. */
  text(): Promise<string>;
  close(): Promise<void>;
}

const CIRCUIT = { none: -1, closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Exposes the cache's figures through `@opentelemetry/exporter-prometheus`, without its
 * own HTTP server (`preventServerStart`): fastify serves the text. The instruments read
 * the {@link StatsRecorder} at collection time. When @cachestack/metrics is on main,
 * `instrument(cache, { meter })` replaces the observables below.
 */
export function createPrometheusMetrics(
  recorder: StatsRecorder,
  currentCache: () => Cache,
): PrometheusMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('@cachestack/example');
  const serializer = new PrometheusSerializer();

  const requests = meter.createObservableCounter('cachestack_requests', {
    description: 'Cache reads by namespace, tier and result',
  });
  const loads = meter.createObservableCounter('cachestack_loads', {
    description: 'Loader runs by namespace and outcome',
  });
  const l2Errors = meter.createObservableCounter('cachestack_l2_errors', {
    description: 'Failed or timed-out L2 calls',
  });
  const l1Entries = meter.createObservableGauge('cachestack_l1_entries', {
    description: 'Entries in L1',
  });
  const l1Bytes = meter.createObservableGauge('cachestack_l1_bytes', {
    description: 'Estimated bytes in L1',
    unit: 'By',
  });
  const circuit = meter.createObservableGauge('cachestack_l2_circuit_state', {
    description: 'L2 circuit breaker: -1 none, 0 closed, 1 half-open, 2 open',
  });
  const latency = meter.createHistogram('cachestack_read_duration', {
    description: 'API read latency through the cache',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] },
  });
  const offLatency = recorder.onLatency((_n, ms) => latency.record(ms));

  meter.addBatchObservableCallback(
    (result) => {
      for (const [namespace, c] of recorder.totals) {
        result.observe(requests, c.l1, { namespace, tier: 'l1', result: 'hit' });
        result.observe(requests, c.l2, { namespace, tier: 'l2', result: 'hit' });
        result.observe(requests, c.miss, { namespace, tier: 'none', result: 'miss' });
        result.observe(requests, c.stale, { namespace, tier: 'grace', result: 'stale' });
        result.observe(loads, c.loads, { namespace, outcome: 'ok' });
        result.observe(loads, c.loadErrors, { namespace, outcome: 'error' });
      }
      result.observe(l2Errors, recorder.l2Errors);
      const stats = currentCache().stats();
      result.observe(l1Entries, stats.l1Entries);
      result.observe(l1Bytes, stats.l1Bytes);
      result.observe(circuit, CIRCUIT[stats.circuit]);
    },
    [requests, loads, l2Errors, l1Entries, l1Bytes, circuit],
  );

  return {
    async text() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    async close() {
      offLatency();
      await provider.shutdown();
    },
  };
}
