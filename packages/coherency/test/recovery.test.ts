import { createCache, type InvalidationMessage, MemoryStore } from '@cachestack/core';
import { type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusPublishError } from '../src/errors.js';
import { type RedisBus, redisBus } from '../src/redis-bus.js';
import type { RedisBusOptions } from '../src/redis-bus-options.js';
import { del, nextEvent, nextState, startProxy } from './helpers.js';

let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis();
});
afterAll(async () => {
  await server.stop();
});
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
let n = 0;
const bus = async (channel: string, options: Partial<RedisBusOptions> = {}): Promise<RedisBus> => {
  const b = redisBus({
    url: server.url,
    channel,
    heartbeatIntervalMs: 0,
    instanceId: `i${++n}`,
    ...options,
  });
  open.push(b);
  await b.ready();
  return b;
};

describe('redisBus recovery (private Redis)', () => {
  it('goes disconnected when its subscriber connection is killed, and the cache drops L1 when it is back', async () => {
    const shared = new MemoryStore();
    const busA = await bus('recover');
    const busB = await bus('recover');
    const a = createCache({ l2: shared, bus: busA });
    const b = createCache({ l2: shared, bus: busB });
    open.push(a, b);
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    const down = nextState(busB, 'disconnected');
    const up = nextState(busB, 'connected');
    await server.killClients('pubsub');
    await down;
    expect(busB.state).toBe('disconnected');
    await a.set('k', 'v2'); // B is deaf: this invalidation is lost for B
    expect(await b.get('k')).toBe('v2'); // L1 bypassed while down
    await up;
    expect(await b.get('k')).toBe('v2');
    // and it hears again
    const heard = nextEvent(busB, 'message');
    await a.delete('k');
    await heard;
    expect(await b.get('k')).toBeUndefined();
  });

  it('notices a subscriber that silently stops receiving (half-open link) and reconnects', async () => {
    const proxy = await startProxy(server.port);
    const client = new Redis(server.url);
    open.push({ close: () => proxy.close() }, { close: () => client.disconnect() });
    // Publisher direct, subscriber through the proxy.
    const a = redisBus({
      client,
      channel: 'deaf',
      instanceId: 'a',
      heartbeatIntervalMs: 30,
      instanceTimeoutMs: 100,
      redisOptions: { port: proxy.port },
    });
    open.push(a);
    await a.ready();
    const b = await bus('deaf');
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.operation));
    const down = nextState(a, 'disconnected');
    const up = nextState(a, 'connected');
    proxy.blackhole();
    await down;
    expect(errors).toContain('subscriber');
    await up;
    const heard = nextEvent(a, 'message');
    await b.publish(del('ns', 'k'));
    expect((await heard).from).toBe(b.instanceId);
  });

  it('queues a publish that was not acknowledged, retries it, and the receiver drops the repeats', async () => {
    const a = await bus('retry', { publishTimeoutMs: 50, retryIntervalMs: 20 });
    const b = await bus('retry');
    const got: InvalidationMessage[] = [];
    b.subscribe((m) => got.push(m));
    const retried = nextEvent(a, 'publish:retried');
    const delivered = nextEvent(b, 'message');
    await server.command('CLIENT PAUSE 500 WRITE');
    const error = await a.publish(del('ns', 'k')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusPublishError);
    expect((error as BusPublishError).queued).toBe(true);
    expect(a.stats().queued).toBe(1);
    expect((await retried).count).toBe(1);
    await delivered;
    // The timed-out attempts reach Redis too; a final marker proves they have all arrived.
    const marker = nextEvent(b, 'message', (e) => e.message.namespace === 'marker');
    await a.publish(del('marker', 'm'));
    await marker;
    expect(got).toEqual([del('ns', 'k'), del('marker', 'm')]);
    expect(b.stats().duplicates).toBeGreaterThanOrEqual(1);
    expect(a.stats()).toMatchObject({ queued: 0, retried: 1, dropped: 0 });
  });

  it('drops the oldest queued publish when the queue is full and counts it', async () => {
    const a = await bus('drop', {
      publishTimeoutMs: 30,
      retryIntervalMs: 10_000,
      maxQueuedMessages: 1,
    });
    const dropped = nextEvent(a, 'publish:dropped');
    await server.command('CLIENT PAUSE 1000 WRITE');
    await expect(a.publish(del('ns', 'k1'))).rejects.toBeInstanceOf(BusPublishError);
    await expect(a.publish(del('ns', 'k2'))).rejects.toMatchObject({
      code: 'CACHESTACK_BUS_PUBLISH',
    });
    expect(await dropped).toEqual({ seq: 1, dropped: 1 });
    expect(a.stats()).toMatchObject({ queued: 1, dropped: 1 });
  });
});
