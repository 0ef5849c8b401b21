import { createCache, memoryStore } from '@cachestack/core';
import {
  createRateLimiter,
  MemoryStore,
  type RateLimitStore,
  type StoreRequest,
} from '@cachestack/ratelimit';
import { context, type HrTime } from '@opentelemetry/api';
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
  it('nests the load under the request span, and its L2 calls under the load span', async () => {
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
    // The L2 read and the write of the loaded value happen inside the load.
    const loadId = load?.spanContext().spanId;
    expect(l2.every((s) => s.parentSpanContext?.spanId === loadId)).toBe(true);
  });

  it('gives a rate-limit check on a slow store its real duration, under the caller span', async () => {
    const cache = createCache({ namespace: 'rl' });
    const limiter = createRateLimiter({
      name: 'api',
      limit: 5,
      windowMs: 60_000,
      store: slowStore(new MemoryStore(), 20),
      failurePolicy: 'closed',
    });
    const tracing = instrument(cache, { tracer, rateLimitSpans: true });
    const requestId = await tracer.startActiveSpan('POST /login', async (request) => {
      expect((await limiter.check('ip:1')).allowed).toBe(true);
      request.end();
      return request.spanContext().spanId;
    });
    tracing.close();
    await limiter.close();
    await cache.close();
    const [check] = exporter.getFinishedSpans().filter((s) => s.name === spanNames.rateLimit);
    expect(check?.parentSpanContext?.spanId).toBe(requestId);
    expect(micros(check!.duration)).toBeGreaterThan(0);
    expect(check!.attributes).toMatchObject({
      'cachestack.tier': 'ratelimit',
      'cachestack.outcome': 'allowed',
      'cachestack.ratelimit.rules': ['api'],
      'cachestack.ratelimit.source': 'store',
    });
  });
});

const micros = ([seconds, nanos]: HrTime): number => seconds * 1e6 + nanos / 1e3;

/** A real store behind `latencyMs` of latency per call, answering asynchronously (as Redis does). */
function slowStore(store: MemoryStore, latencyMs: number): RateLimitStore {
  const later = () => new Promise((resolve) => setTimeout(resolve, latencyMs));
  return {
    kind: 'remote',
    async apply(requests: readonly StoreRequest[]) {
      await later();
      return store.apply(requests);
    },
    close: () => store.close(),
  };
}
