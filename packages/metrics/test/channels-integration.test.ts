import { compression } from '@cachestack/compression';
import { createCache, MemoryStore } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentChannels, metricNames as m } from '../src/index.js';
import { otel } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('instrumentChannels with the real @cachestack/compression codec', () => {
  it('records the compression ratio of values written through a cache', async () => {
    const o = otel();
    const handle = instrumentChannels({ meter: o.meter });
    const codec = compression({ algorithm: 'gzip', thresholdBytes: 64 });
    const cache = createCache({ l1: false, l2: new MemoryStore(), codec });
    cleanups.push(
      () => o.shutdown(),
      () => cache.close(),
      () => handle.close(),
    );

    await cache.set('big', { text: 'cachestack '.repeat(500) });
    await cache.set('small', 'x'); // under the threshold: stored as is
    expect(await cache.get('big')).toEqual({ text: 'cachestack '.repeat(500) });

    const stats = codec.stats();
    const ratio = await o.histogram(m.compressionRatio, { 'cachestack.algorithm': 'gzip' });
    expect(ratio.count).toBe(1);
    expect(ratio.sum).toBeCloseTo(
      stats.algorithms.gzip.encodeBytesOut / stats.algorithms.gzip.encodeBytesIn,
    );
    expect(ratio.sum).toBeLessThan(0.1);
    expect(await o.value(m.compressionBytes, { 'cachestack.direction': 'in' })).toBe(
      stats.algorithms.gzip.encodeBytesIn,
    );
    expect(await o.value(m.compressionSkips, { 'cachestack.reason': 'threshold' })).toBe(1);
    expect((await o.histogram(m.compressionDuration, { 'cachestack.phase': 'decode' })).count).toBe(
      1,
    );
  });
});
