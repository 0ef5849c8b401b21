import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis as Valkey } from 'iovalkey';
import { afterEach, describe, expect, it } from 'vitest';
import { redisBus } from '../src/redis-bus.js';
import { trackingBus } from '../src/tracking-bus.js';
import { nextEvent } from './helpers.js';

// iovalkey, the Valkey fork of ioredis, has the same API: the buses take its client as is.
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
const valkey = (): Valkey => {
  const client = new Valkey(redisUrl(), { maxRetriesPerRequest: 1 });
  open.push({ close: () => client.disconnect() });
  return client;
};

describe('buses on iovalkey clients', () => {
  it('carries a delete on one cache to the L1 of another over redisBus', async () => {
    const channel = uniquePrefix('coherency-iovalkey');
    const prefix = uniquePrefix('coherency-iovalkey');
    const clientA = valkey();
    const clientB = valkey();
    open.push({
      async close() {
        const keys = await clientA.keys(`${prefix}:*`);
        if (keys.length > 0) await clientA.del(...keys);
      },
    });
    const busA = redisBus({ client: clientA, channel, heartbeatIntervalMs: 0 });
    const busB = redisBus({ client: clientB, channel, heartbeatIntervalMs: 0 });
    open.push(busA, busB);
    await Promise.all([busA.ready(), busB.ready()]);
    const a = createCache({ l2: redisStore({ client: clientA, prefix }), bus: busA });
    const b = createCache({ l2: redisStore({ client: clientB, prefix }), bus: busB });
    open.push(a, b);

    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1'); // now in b's L1
    const delivered = nextEvent(busB, 'message', (e) => e.from === busA.instanceId);
    await a.delete('k');
    await delivered;
    expect(await b.get('k')).toBeUndefined();
    expect(await clientB.ping()).toBe('PONG'); // the caller's clients stay open
  });

  it('rejects a client without the ioredis API with a typed error', () => {
    // @ts-expect-error: not a client
    expect(() => redisBus({ client: { isCluster: false } })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    // @ts-expect-error: not a client
    expect(() => trackingBus({ client: {}, prefixes: ['p:'] })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
  });
});
