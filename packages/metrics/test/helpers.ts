import { type CacheOptions, createCache, MemoryStore } from '@cachestack/core';
import { ChaosStore } from '@cachestack/testing';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach } from 'vitest';

/** A controllable clock. */
export function clock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** A meter whose measurements are read back through the SDK's in-memory exporter. */
export function otel() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('cachestack-test');

  /** Collects now and returns the data points of a metric. */
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    exporter.reset();
    await reader.forceFlush();
    const all = exporter.getMetrics();
    const out: DataPoint<unknown>[] = [];
    for (const rm of all) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) if (m.descriptor.name === name) out.push(...m.dataPoints);
      }
    }
    return out;
  };
  const matches = (p: DataPoint<unknown>, attrs: Attributes) =>
    Object.entries(attrs).every(([k, v]) => p.attributes[k] === v);
  /** Sum of a counter or gauge over the points matching `attrs` (undefined: no point). */
  const value = async (name: string, attrs: Attributes = {}): Promise<number | undefined> => {
    const found = (await points(name)).filter((p) => matches(p, attrs));
    if (found.length === 0) return undefined;
    return found.reduce((sum, p) => sum + (p.value as number), 0);
  };
  /** Histogram count and sum over the points matching `attrs`. */
  const histogram = async (name: string, attrs: Attributes = {}) => {
    const found = (await points(name)).filter((p) => matches(p, attrs));
    return found.reduce(
      (acc, p) => {
        const h = p.value as Histogram;
        return { count: acc.count + h.count, sum: acc.sum + (h.sum ?? 0) };
      },
      { count: 0, sum: 0 },
    );
  };
  /** Collects now and returns every metric's descriptor and data points. */
  const collect = async () => {
    exporter.reset();
    await reader.forceFlush();
    return exporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .filter((md) => md.dataPoints.length > 0);
  };
  return { meter, points, value, histogram, collect, shutdown: () => provider.shutdown() };
}

/** A cache with L1 and a chaos-wrapped in-memory L2 over a fake clock. */
export function setup(options: Partial<CacheOptions> = {}) {
  const c = clock();
  const inner = new MemoryStore({ now: c.now });
  const store = new ChaosStore(inner);
  const cache = createCache({
    now: c.now,
    l1: { maxEntries: 1000 },
    l2: { store, timeoutMs: 200, failureThreshold: 3, breakDurationMs: 1000 },
    defaults: { ttl: '1m', grace: '10m' },
    ...options,
  });
  return { cache, store, inner, clock: c };
}

/**
 * A tracer whose finished spans are read back through the SDK's in-memory exporter. Call
 * it at a test file's top level: after each test it runs the registered `closers` (last
 * first) and empties the exporter.
 */
export function tracing(name: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    exporter.reset();
  });
  return {
    exporter,
    tracer: provider.getTracer(name),
    closers,
    /** Finished spans of one name. */
    spans: (spanName: string): ReadableSpan[] =>
      exporter.getFinishedSpans().filter((span) => span.name === spanName),
  };
}
