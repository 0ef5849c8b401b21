import {
  durationBucketsSeconds,
  type Instrumentation,
  instrument,
  instrumentChannels,
} from '@cachestack/metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { CacheFacade } from '../cache/facade.js';
import type { StatsRecorder } from './recorder.js';

/** The Prometheus side of the app: an OpenTelemetry meter provider and its exporter. */
export interface PrometheusMetrics {
  /** The exposition text of every instrument. */
  text(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Exposes the cache through `@opentelemetry/exporter-prometheus` without its own HTTP
 * server (`preventServerStart`): fastify serves the text. The cache instruments come from
 * @cachestack/metrics (`instrument` on the cache facade, `instrumentChannels` for the
 * other packages); the app adds the API's read latency. `bus` (with Redis) is reported as
 * `cachestack_bus_connected`.
 */
export function createPrometheusMetrics(
  recorder: StatsRecorder,
  facade: CacheFacade,
  bus?: { readonly state: string },
): PrometheusMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('@cachestack/example');
  const serializer = new PrometheusSerializer();
  const handles: Instrumentation[] = [
    instrument(facade, { meter, ...(bus ? { bus } : {}) }),
    instrumentChannels({ meter }),
  ];

  const latency = meter.createHistogram('cachestack.example.read.duration_seconds', {
    description: 'API read latency through the cache',
    unit: 's',
    advice: { explicitBucketBoundaries: [...durationBucketsSeconds] },
  });
  const offLatency = recorder.onLatency((_n, ms) => latency.record(ms / 1000));

  return {
    async text() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    async close() {
      offLatency();
      for (const h of handles) h.close();
      await provider.shutdown();
    },
  };
}
