import { createCache, type InvalidationMessage } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseStoreKey, type TrackingBus, trackingBus } from '../src/tracking-bus.js';
import { nextEvent, nextState } from './helpers.js';

let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis();
});
afterAll(async () => {
  await server.stop();
});
const open: { close(): unknown; disconnect?: () => void }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
const client = (): Redis => {
  const c = new Redis(server.url);
  c.on('error', () => {});
  open.push({ close: () => c.disconnect() });
  return c;
};
const collect = (bus: TrackingBus): InvalidationMessage[] => {
  const got: InvalidationMessage[] = [];
  bus.subscribe((m) => got.push(m));
  return got;
};

describe('trackingBus (server-assisted, CLIENT TRACKING BCAST)', () => {
  it('maps keys of the redis store layout to invalidations', () => {
    expect(parseStoreKey('app:{users}:k:42')).toEqual({
      type: 'delete',
      namespace: 'users',
      keys: ['42'],
    });
    expect(parseStoreKey('app:{users}:ti:vip')).toEqual({
      type: 'delete-tags',
      namespace: 'users',
      tags: ['vip'],
    });
    expect(parseStoreKey('app:{users}:m:clear')).toEqual({ type: 'clear', namespace: 'users' });
    expect(parseStoreKey('app:{users}:m:epoch')).toBeUndefined();
    expect(parseStoreKey('app:{users}:t:vip')).toBeUndefined();
    expect(parseStoreKey('other')).toBeUndefined();
  });

  it('maps keys of a sharded redis store (shard heads) to invalidations of the namespace', () => {
    expect(parseStoreKey('app:s{users|13}:k:42')).toEqual({
      type: 'delete',
      namespace: 'users',
      keys: ['42'],
    });
    expect(parseStoreKey('app:s{a|b|0}:ti:vip')).toEqual({
      type: 'delete-tags',
      namespace: 'a|b',
      tags: ['vip'],
    });
    expect(parseStoreKey('app:s{users|2}:m:clear')).toEqual({ type: 'clear', namespace: 'users' });
    expect(parseStoreKey('app:{a|2}:k:1')).toEqual({
      type: 'delete',
      namespace: 'a|2',
      keys: ['1'],
    });
    expect(parseStoreKey('app:s{users}:k:42')).toBeUndefined();
  });

  it("delivers other clients' writes under the prefix, not its own (NOLOOP), nor other prefixes", async () => {
    const mine = client();
    const bus = trackingBus({ client: mine, prefixes: ['app:'] });
    open.push(bus);
    await bus.ready();
    const got = collect(bus);
    const other = client();
    await mine.set('app:{ns}:k:own', '1');
    await other.set('zzz:{ns}:k:elsewhere', '1');
    const heard = nextEvent(bus, 'message', (e) => e.message.namespace === 'last');
    await other.set('app:{ns}:k:a', '1');
    await other.del('app:{ns}:k:a');
    await other.set('app:{ns}:m:clear', '5');
    await other.set('app:{last}:k:z', '1');
    await heard;
    expect(got).toEqual([
      { type: 'delete', namespace: 'ns', keys: ['a'] },
      { type: 'delete', namespace: 'ns', keys: ['a'] },
      { type: 'clear', namespace: 'ns' },
      { type: 'delete', namespace: 'last', keys: ['z'] },
    ]);
    expect(await mine.ping()).toBe('PONG');
  });

  it('re-arms tracking after its connections are killed, flapping the state', async () => {
    const mine = client();
    const bus = trackingBus({ client: mine, prefixes: ['app:'] });
    open.push(bus);
    await bus.ready();
    const got = collect(bus);
    const down = nextState(bus, 'disconnected');
    const up = nextState(bus, 'connected');
    await server.killClients('pubsub');
    await down;
    await up;
    const other = client();
    await other.ping();
    const heard = nextEvent(bus, 'message');
    await other.set('app:{ns}:k:after', '1');
    await heard;
    expect(got).toEqual([{ type: 'delete', namespace: 'ns', keys: ['after'] }]);
  });

  it("drops a cache's L1 entry when another client rewrites the key in Redis", async () => {
    const mine = client();
    const bus = trackingBus({ client: mine, prefixes: ['app:'] });
    const cache = createCache({ namespace: 'users', bus, defaults: { ttl: 60_000 } });
    open.push(cache);
    await bus.ready();
    const dbKey = 'app:{users}:k:u1';
    const load = () => mine.get(dbKey);
    await mine.set(dbKey, 'v1');
    expect(await cache.getOrSet('u1', load)).toBe('v1');
    const other = client();
    const heard = nextEvent(bus, 'message');
    await other.set(dbKey, 'v2');
    await heard;
    expect(await cache.getOrSet('u1', load)).toBe('v2');
  });

  it('keeps two caches on the redis store coherent with no pub/sub channel at all', async () => {
    const clientA = client();
    const clientB = client();
    const make = (c: Redis) => {
      const bus = trackingBus({ client: c, prefixes: ['shop:'] });
      const cache = createCache({
        namespace: 'users',
        l2: redisStore({ client: c, prefix: 'shop' }),
        bus,
      });
      open.push(cache);
      return { bus, cache };
    };
    const a = make(clientA);
    const b = make(clientB);
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    await a.cache.set('u1', 'v1', { tags: ['vip'] });
    expect(await b.cache.get('u1')).toBe('v1'); // now in B's L1
    let heard = nextEvent(b.bus, 'message', (e) => e.message.type === 'delete');
    await a.cache.set('u1', 'v2', { tags: ['vip'] });
    await heard;
    expect(await b.cache.get('u1')).toBe('v2');
    heard = nextEvent(b.bus, 'message', (e) => e.message.type === 'delete-tags');
    await a.cache.deleteByTag('vip');
    await heard;
    expect(await b.cache.get('u1')).toBeUndefined();
    await b.cache.set('u2', 'from-b');
    expect(await a.cache.get('u2')).toBe('from-b');
    heard = nextEvent(a.bus, 'message', (e) => e.message.type === 'clear');
    await b.cache.clear();
    await heard;
    expect(await a.cache.get('u2')).toBeUndefined();
  });

  it('flaps on a database flush (no key list)', async () => {
    const bus = trackingBus({ url: server.url, prefixes: ['app:'] });
    open.push(bus);
    await bus.ready();
    const states: string[] = [];
    bus.onStateChange((s) => states.push(s));
    const up = nextState(bus, 'connected');
    await client().flushdb();
    await up;
    expect(states).toEqual(['disconnected', 'connected']);
  });
});
