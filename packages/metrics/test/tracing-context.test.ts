import { createCache, memoryStore } from '@cachestack/core';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { instrument, spanNames } from '../src/index.js';

// A context manager, as a Node SDK registers one: spans nest under the active span.
const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('cachestack-context-test');

afterAll(() => {
  context.disable();
});

describe('spans in the caller context', () => {
  it('nests load and L2 spans under the span of the request that caused them', async () => {
    const cache = createCache({ namespace: 'ctx', l2: memoryStore() });
    const tracing = instrument(cache, { tracer });
    const requestId = await tracer.startActiveSpan('GET /users/42', async (request) => {
      await cache.getOrSet('user:42', async () => ({ id: 42 }));
      request.end();
      return request.spanContext().spanId;
    });
    tracing.close();
    await cache.close();
    const load = exporter.getFinishedSpans().find((s) => s.name === spanNames.load);
    const l2 = exporter.getFinishedSpans().filter((s) => s.name === spanNames.l2);
    expect(load?.parentSpanContext?.spanId).toBe(requestId);
    expect(l2.length).toBeGreaterThan(0);
    expect(l2.every((s) => s.parentSpanContext?.spanId === requestId)).toBe(true);
  });
});
