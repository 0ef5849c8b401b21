import { createHash } from 'node:crypto';
import { createCache, memoryStore } from '@cachestack/core';
import { createLocalLocks } from '@cachestack/locking';
import { createRateLimiter } from '@cachestack/ratelimit';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { instrument, spanNames } from '../src/index.js';
import { tracing } from './helpers.js';

const { exporter, tracer, closers, spans } = tracing('cachestack-test');

function allAttributeValues(): string[] {
  return exporter
    .getFinishedSpans()
    .flatMap((span) => Object.values(span.attributes).map((value) => String(value)));
}

describe('instrument(cache, { tracer })', () => {
  it('records one span per load with namespace, tier and outcome, and none for hits', async () => {
    const cache = createCache({ namespace: 'users' });
    const tracing = instrument(cache, { tracer });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    expect(await cache.getOrSet('user:ada@example.com', async () => 1)).toBe(1);
    expect(await cache.getOrSet('user:ada@example.com', async () => 2)).toBe(1);
    const loads = spans(spanNames.load);
    expect(loads).toHaveLength(1);
    expect(loads[0]!.attributes).toEqual({
      'cachestack.namespace': 'users',
      'cachestack.tier': 'loader',
      'cachestack.outcome': 'ok',
    });
    expect(loads[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(allAttributeValues().some((v) => v.includes('ada@example.com'))).toBe(false);
  });

  it('marks a failed load as an error without quoting its message', async () => {
    const cache = createCache({ namespace: 'orders' });
    const tracing = instrument(cache, { tracer });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    await expect(
      cache.getOrSet('order:7', async () => {
        throw new Error('secret order:7 detail');
      }),
    ).rejects.toMatchObject({ code: 'CACHESTACK_LOADER_FAILED' });
    const [load] = spans(spanNames.load);
    expect(load!.attributes['cachestack.outcome']).toBe('error');
    expect(load!.status.code).toBe(SpanStatusCode.ERROR);
    expect(load!.status.message).not.toContain('secret');
  });

  it('adds a hashed key only when asked', async () => {
    const cache = createCache({ namespace: 'h' });
    const tracing = instrument(cache, { tracer, hashKeys: true });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    await cache.getOrSet('user:42', async () => 'x');
    const expected = createHash('sha256').update('user:42').digest('hex').slice(0, 16);
    expect(spans(spanNames.load)[0]!.attributes['cachestack.key_hash']).toBe(expected);
    expect(allAttributeValues()).not.toContain('user:42');
  });

  it('records a span per L2 call with the operation and outcome', async () => {
    const cache = createCache({ namespace: 'l2', l2: memoryStore() });
    const tracing = instrument(cache, { tracer });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    await cache.set('a', 1);
    await cache.get('b');
    const l2 = spans(spanNames.l2);
    const operations = l2.map((span) => span.attributes['cachestack.operation']);
    expect(operations.length).toBeGreaterThanOrEqual(2);
    expect(l2.every((span) => span.attributes['cachestack.tier'] === 'l2')).toBe(true);
    expect(l2.every((span) => span.attributes['cachestack.outcome'] === 'ok')).toBe(true);
  });

  it('records the lock waits of its loads: acquired, and timed out', async () => {
    const locker = createLocalLocks();
    const cache = createCache({
      namespace: 'locks',
      l2: memoryStore(),
      lock: { locker, acquireTimeoutMs: 20 },
    });
    const tracing = instrument(cache, { tracer, hashKeys: true });
    closers.push(
      () => cache.close(),
      () => tracing.close(),
    );
    // Another holder keeps the lock of `b`: that load times out and loads without it.
    const other = await locker.acquire('locks:b');
    closers.push(() => other.release());
    expect(await cache.getOrSet('a', async () => 1)).toBe(1);
    expect(await cache.getOrSet('b', async () => 2)).toBe(2);
    const waits = spans(spanNames.lockWait);
    const outcomes = waits.map((span) => span.attributes['cachestack.outcome']).sort();
    expect(outcomes).toEqual(['acquired', 'timeout']);
    expect(waits.every((span) => span.attributes['cachestack.namespace'] === 'locks')).toBe(true);
    const timeout = waits.find((span) => span.attributes['cachestack.outcome'] === 'timeout');
    expect(timeout!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'CACHESTACK_LOCK_TIMEOUT',
    });
    const loadOf = (span: ReadableSpan) =>
      spans(spanNames.load).find((l) => l.spanContext().spanId === span.parentSpanContext?.spanId);
    expect(waits.map((span) => loadOf(span)?.attributes['cachestack.key_hash'])).toEqual(
      waits.map((span) => span.attributes['cachestack.key_hash']),
    );
    expect(allAttributeValues()).not.toContain('locks:b');
  });

  it('records rate-limit checks only when enabled', async () => {
    const cache = createCache({ namespace: 'rl' });
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    closers.push(
      () => cache.close(),
      () => limiter.close(),
    );
    const quiet = instrument(cache, { tracer });
    await limiter.check('ip:1');
    quiet.close();
    expect(spans(spanNames.rateLimit)).toHaveLength(0);
    const tracing = instrument(cache, { tracer, rateLimitSpans: true });
    closers.push(() => tracing.close());
    await limiter.check('ip:2');
    await limiter.check('ip:2');
    expect(spans(spanNames.rateLimit).map((s) => s.attributes['cachestack.outcome'])).toEqual([
      'allowed',
      'rejected',
    ]);
  });

  it('stops recording on close, and costs nothing without an SDK', async () => {
    const cache = createCache({ namespace: 'off', l2: memoryStore() });
    closers.push(() => cache.close());
    const tracing = instrument(cache, { tracer });
    tracing.close();
    await cache.getOrSet('k', async () => 1);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    // The API's global tracer is a no-op until an SDK registers one.
    const noop = instrument(cache, { tracer: trace.getTracer('no-sdk') });
    closers.push(() => noop.close());
    expect(await cache.getOrSet('k2', async () => 2)).toBe(2);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('rejects what is not a tracer', () => {
    const cache = createCache({ namespace: 'bad' });
    closers.push(() => cache.close());
    expect(() => instrument(cache, { tracer: {} as never })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
  });
});
