import { channel } from 'node:diagnostics_channel';
import { InvalidOptionError } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  channelNames as c,
  defaultChannelHandlers,
  instrumentChannels,
  metricNames as m,
} from '../src/index.js';
import { otel } from './helpers.js';

// Messages shaped as @cachestack/compression, locking, coherency and ratelimit publish them.
const publish = (name: string, message: unknown) => channel(name).publish(message);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function setup() {
  const o = otel();
  const handle = instrumentChannels({ meter: o.meter });
  cleanups.push(
    () => o.shutdown(),
    () => handle.close(),
  );
  return { ...o, handle };
}

describe('instrumentChannels', () => {
  it('records the compression ratio, bytes and skips', async () => {
    const { histogram, value } = setup();
    const encode = { codec: 'gzip', algorithm: 'gzip', level: 6, path: 'sync', kept: true };
    publish(c.compressionEncode, { ...encode, bytesIn: 1000, bytesOut: 250, durationMs: 0.5 });
    publish(c.compressionEncode, { ...encode, bytesIn: 1000, bytesOut: 750, durationMs: 0.7 });
    publish(c.compressionSkip, { codec: 'gzip', reason: 'threshold', bytes: 10 });
    publish(c.compressionDecode, {
      codec: 'gzip',
      algorithm: 'gzip',
      bytesIn: 250,
      bytesOut: 1000,
      durationMs: 0.2,
    });
    const ratio = await histogram(m.compressionRatio, { 'cachestack.algorithm': 'gzip' });
    expect(ratio.count).toBe(2);
    expect(ratio.sum).toBeCloseTo(1.0);
    expect(await value(m.compressionBytes, { 'cachestack.direction': 'in' })).toBe(2000);
    expect(await value(m.compressionBytes, { 'cachestack.direction': 'out' })).toBe(1000);
    expect(await value(m.compressionSkips, { 'cachestack.reason': 'threshold' })).toBe(1);
    expect((await histogram(m.compressionDuration, { 'cachestack.phase': 'decode' })).count).toBe(
      1,
    );
  });

  it('records lock waits by outcome and lost locks', async () => {
    const { histogram, value } = setup();
    publish(c.lockAcquire, { kind: 'redis', resource: 'r', waitMs: 12, contended: true });
    publish(c.lockAcquire, { kind: 'redis', resource: 'r', waitMs: 0, contended: false });
    publish(c.lockTimeout, { kind: 'local', resource: 'r', waitMs: 500 });
    publish(c.lockLost, { kind: 'redis', resource: 'r', reason: 'lease expired' });
    const acquired = await histogram(m.lockWait, { 'cachestack.outcome': 'acquired' });
    expect(acquired).toEqual({ count: 2, sum: 0.012 });
    expect(
      await histogram(m.lockWait, {
        'cachestack.outcome': 'timeout',
        'cachestack.lock_kind': 'local',
      }),
    ).toEqual({
      count: 1,
      sum: 0.5,
    });
    expect(await value(m.locksLost)).toBe(1);
  });

  it('records bus delivery lag and gaps', async () => {
    const { histogram, value } = setup();
    const msg = { instanceId: 'a', from: 'b', seq: 1, type: 'delete', namespace: 'default' };
    publish(c.busReceive, { ...msg, lagMs: 3 });
    publish(c.busReceive, { ...msg, lagMs: 7 });
    publish(c.busGap, { instanceId: 'a', from: 'b', missing: 4 });
    expect(await histogram(m.busLag)).toEqual({ count: 2, sum: 0.01 });
    expect(await value(m.busGaps)).toBe(4);
  });

  it('counts rate-limit decisions as allowed or rejected by source', async () => {
    const { value } = setup();
    const decision = (allowed: boolean, source: string) => ({
      key: 'ip:1',
      decision: {
        allowed,
        limit: 10,
        remaining: 0,
        resetMs: 0,
        retryAfterMs: 0,
        rules: [],
        source,
      },
    });
    publish(c.rateLimitDecision, decision(true, 'store'));
    publish(c.rateLimitDecision, decision(true, 'store'));
    publish(c.rateLimitDecision, decision(false, 'block-cache'));
    publish(c.rateLimitFallback, { key: 'ip:1', policy: 'open', error: new Error('x') });
    expect(await value(m.rateLimitDecisions, { 'cachestack.decision': 'allowed' })).toBe(2);
    expect(
      await value(m.rateLimitDecisions, {
        'cachestack.decision': 'rejected',
        'cachestack.source': 'block-cache',
      }),
    ).toBe(1);
    expect(await value(m.rateLimitFallbacks, { 'cachestack.policy': 'open' })).toBe(1);
  });

  it('ignores malformed messages without throwing at the publisher', async () => {
    const { histogram } = setup();
    expect(() => publish(c.busReceive, null)).not.toThrow();
    expect(() => publish(c.compressionEncode, { bytesIn: 'a lot' })).not.toThrow();
    expect(() => publish(c.rateLimitDecision, 42)).not.toThrow();
    expect((await histogram(m.busLag)).count).toBe(0);
  });

  it('consumes extra channels given as handler factories', async () => {
    const o = otel();
    const handle = instrumentChannels({
      meter: o.meter,
      handlers: {
        ...defaultChannelHandlers,
        'cachestack:custom:tick': (meter, attributes) => {
          const ticks = meter.createCounter('custom.ticks');
          return () => ticks.add(1, attributes);
        },
      },
    });
    cleanups.push(
      () => o.shutdown(),
      () => handle.close(),
    );
    publish('cachestack:custom:tick', {});
    publish('cachestack:custom:tick', {});
    expect(await o.value('custom.ticks')).toBe(2);
  });

  it('unsubscribes from every channel on close, so publishers stop building messages', () => {
    const { handle } = setup();
    for (const name of Object.keys(defaultChannelHandlers)) {
      expect(channel(name).hasSubscribers).toBe(true);
    }
    handle.close();
    handle.close();
    for (const name of Object.keys(defaultChannelHandlers)) {
      expect(channel(name).hasSubscribers).toBe(false);
    }
  });

  it('rejects a handler that is not a function', () => {
    const o = otel();
    cleanups.push(() => o.shutdown());
    expect(() =>
      instrumentChannels({ meter: o.meter, handlers: { 'cachestack:x:y': 'nope' as never } }),
    ).toThrow(InvalidOptionError);
  });
});
