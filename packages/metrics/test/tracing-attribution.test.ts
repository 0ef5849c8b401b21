import { createCache, memoryStore } from '@cachestack/core';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { instrument, spanNames } from '../src/index.js';
import { tracing } from './helpers.js';

// No context manager: the nesting of L2 reads under their load does not depend on one.
const { exporter, tracer, closers, spans } = tracing('cachestack-attribution-test');
const micros = ([seconds, nanos]: HrTime): number => seconds * 1e6 + nanos / 1e3;
const startUs = (span: ReadableSpan) => micros(span.startTime);
const endUs = (span: ReadableSpan) => micros(span.endTime);

describe('spans of the instrumented cache only', () => {
  it('ignores another cache that is not instrumented, and labels each span with its namespace', async () => {
    const a = createCache({ namespace: 'a', l2: memoryStore() });
    const b = createCache({ namespace: 'b', l2: memoryStore() });
    const tracing = instrument(a, { tracer, attributes: { 'cachestack.cache': 'a' } });
    closers.push(
      () => a.close(),
      () => b.close(),
      () => tracing.close(),
    );
    const users = a.namespace('users');
    await b.set('x', 1);
    await b.get('y');
    await b.getOrSet('z', async () => 1);
    await a.set('x', 1);
    await users.getOrSet('z', async () => 1);

    const all = exporter.getFinishedSpans();
    const namespaces = new Set(all.map((span) => span.attributes['cachestack.namespace']));
    expect(namespaces).toEqual(new Set([a.namespaceName, users.namespaceName]));
    expect(all.every((span) => span.attributes['cachestack.cache'] === 'a')).toBe(true);
    // a.set: one L2 write; users.getOrSet: a load with its L2 read and its L2 write.
    expect(spans(spanNames.load)).toHaveLength(1);
    expect(spans(spanNames.load)[0]!.attributes['cachestack.namespace']).toBe(users.namespaceName);
    expect(spans(spanNames.l2).map((span) => span.attributes['cachestack.operation'])).toEqual([
      'set',
      'getWithFence',
      'set',
    ]);
  });

  it('records both caches, apart, when both are instrumented', async () => {
    const a = createCache({ namespace: 'a', l2: memoryStore() });
    const b = createCache({ namespace: 'b', l2: memoryStore() });
    const ta = instrument(a, { tracer, attributes: { 'cachestack.cache': 'a' } });
    const tb = instrument(b, { tracer, attributes: { 'cachestack.cache': 'b' } });
    closers.push(
      () => a.close(),
      () => b.close(),
      () => ta.close(),
      () => tb.close(),
    );
    await a.get('k');
    await b.get('k');
    const l2 = spans(spanNames.l2).map((span) => [
      span.attributes['cachestack.cache'],
      span.attributes['cachestack.namespace'],
    ]);
    expect(l2).toEqual([
      ['a', 'a'],
      ['b', 'b'],
    ]);
  });
});

describe('spans opened when the operation starts', () => {
  it('makes the L2 read of a getOrSet miss a child of the load span, inside its time', async () => {
    const cache = createCache({ namespace: 'nest', l2: memoryStore() });
    const tracing = instrument(cache, { tracer });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    await cache.getOrSet('k', async () => 1);
    const [load] = spans(spanNames.load);
    const l2 = spans(spanNames.l2);
    expect(l2.map((span) => span.attributes['cachestack.operation'])).toEqual([
      'getWithFence',
      'set',
    ]);
    // The SDK anchors each span's clock on Date.now() when the span starts (whole
    // milliseconds), so times of two different spans compare within 1 ms, not exactly.
    const slackUs = 1000;
    for (const span of l2) {
      expect(span.parentSpanContext?.spanId).toBe(load!.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(load!.spanContext().traceId);
      expect(startUs(span)).toBeGreaterThanOrEqual(startUs(load!) - slackUs);
      expect(endUs(span)).toBeLessThanOrEqual(endUs(load!) + slackUs);
    }
    const [read, write] = l2;
    expect(endUs(read!)).toBeLessThanOrEqual(startUs(write!) + slackUs);
  });

  it('records a load served by L2 (no loader run) as a hit from tier l2', async () => {
    const store = memoryStore();
    const writer = createCache({ namespace: 'shared', l2: { store, closeStore: false } });
    const reader = createCache({ namespace: 'shared', l2: store });
    const tracing = instrument(reader, { tracer });
    closers.push(
      () => writer.close(),
      () => reader.close(),
      () => tracing.close(),
    );
    await writer.set('k', 'v');
    let loaderRuns = 0;
    expect(
      await reader.getOrSet('k', async () => {
        loaderRuns++;
        return 'other';
      }),
    ).toBe('v');
    expect(loaderRuns).toBe(0);
    const [load] = spans(spanNames.load);
    expect(load!.attributes).toMatchObject({
      'cachestack.namespace': 'shared',
      'cachestack.tier': 'l2',
      'cachestack.outcome': 'hit',
    });
    const [read] = spans(spanNames.l2);
    expect(read!.parentSpanContext?.spanId).toBe(load!.spanContext().spanId);
  });
});
