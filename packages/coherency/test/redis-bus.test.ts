import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ClosedError, createCache, type InvalidationMessage, MemoryStore } from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BusPublishError } from '../src/errors.js';
import { type RedisBus, redisBus } from '../src/redis-bus.js';
import type { RedisBusOptions } from '../src/redis-bus-options.js';
import { del, nextEvent, RawSender } from './helpers.js';

const url = redisUrl();
const open: { close(): unknown }[] = [];
const track = <T extends { close(): unknown }>(x: T): T => {
  open.push(x);
  return x;
};
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

let channel = '';
const bus = async (options: Partial<RedisBusOptions> = {}): Promise<RedisBus> => {
  const b = track(redisBus({ url, channel, heartbeatIntervalMs: 0, ...options }));
  await b.ready();
  return b;
};
const collect = (b: RedisBus): InvalidationMessage[] => {
  const got: InvalidationMessage[] = [];
  b.subscribe((m) => got.push(m));
  return got;
};
const raw = (instanceId = 'raw', epoch = 'e1') =>
  track(new RawSender(url, channel, instanceId, epoch));

describe('redisBus', () => {
  afterEach(() => {
    channel = '';
  });
  const fresh = () => {
    channel = uniquePrefix('coherency-bus');
  };

  it('delivers invalidations to the other instances and never back to the sender', async () => {
    fresh();
    const a = await bus({ instanceId: 'a' });
    const b = await bus({ instanceId: 'b' });
    const gotA = collect(a);
    const gotB = collect(b);
    const delivered = nextEvent(b, 'message');
    await a.publish(del('ns', 'k1', 'k2'));
    const event = await delivered;
    expect(event.from).toBe('a');
    expect(event.seq).toBe(1);
    expect(gotB).toEqual([del('ns', 'k1', 'k2')]);
    const back = nextEvent(a, 'message');
    await b.publish({ type: 'clear', namespace: 'ns' });
    await back;
    expect(gotA).toEqual([{ type: 'clear', namespace: 'ns' }]);
    expect(gotB).toHaveLength(1);
  });

  it('keeps the L1 of another cache coherent after delete, set and clear', async () => {
    fresh();
    const shared = new MemoryStore();
    const a = track(createCache({ l2: shared, bus: await bus({ instanceId: 'a' }) }));
    const busB = await bus({ instanceId: 'b' });
    const b = track(createCache({ l2: shared, bus: busB }));
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    let delivered = nextEvent(busB, 'message');
    await a.set('k', 'v2');
    await delivered;
    expect(await b.get('k')).toBe('v2');
    delivered = nextEvent(busB, 'message');
    await a.delete('k');
    await delivered;
    expect(await b.get('k')).toBeUndefined();
  });

  it('drops a repeated message and counts it', async () => {
    fresh();
    const b = await bus();
    const got = collect(b);
    const sender = raw();
    const last = nextEvent(b, 'message', (e) => e.seq === 2);
    await sender.inv(1, del('ns', 'x'));
    await sender.inv(1, del('ns', 'x'));
    await sender.inv(2, del('ns', 'y'));
    await last;
    expect(got).toEqual([del('ns', 'x'), del('ns', 'y')]);
    expect(b.stats().duplicates).toBe(1);
  });

  it('tells senders apart by epoch, so a restarted instance with the same id is heard', async () => {
    fresh();
    const b = await bus();
    const got = collect(b);
    const last = nextEvent(b, 'message', (e) => e.seq === 1);
    await raw('same', 'boot1').inv(5, del('ns', 'old'));
    await raw('same', 'boot2').inv(1, del('ns', 'new'));
    await last;
    expect(got).toEqual([del('ns', 'old'), del('ns', 'new')]);
  });

  it('synthesizes a clear of every namespace seen when a sequence number is skipped (clear-seen)', async () => {
    fresh();
    const b = await bus({ gapPolicy: 'clear-seen' });
    const got = collect(b);
    const sender = raw();
    await sender.inv(1, del('users', 'u1'));
    await sender.inv(2, del('orders', 'o1'));
    const gap = nextEvent(b, 'gap');
    const last = nextEvent(b, 'message', (e) => e.seq === 4);
    await sender.inv(4, del('users', 'u2'));
    expect(await gap).toMatchObject({ from: 'raw', missing: 1, action: 'clear-seen' });
    await last;
    expect(got).toEqual([
      del('users', 'u1'),
      del('orders', 'o1'),
      { type: 'clear', namespace: 'users' },
      { type: 'clear', namespace: 'orders' },
      del('users', 'u2'),
    ]);
    expect(b.history().filter((h) => h.direction === 'synthesized')).toHaveLength(2);
    expect(b.stats().gaps).toBe(1);
  });

  it('delivers a late (retried) message once, after its gap, and drops its repeat', async () => {
    fresh();
    const b = await bus({ gapPolicy: 'clear-seen' });
    const got = collect(b);
    const sender = raw();
    const last = nextEvent(b, 'message', (e) => e.seq === 4);
    await sender.inv(1, del('ns', 'a'));
    await sender.inv(3, del('ns', 'c'));
    await sender.inv(2, del('ns', 'b'));
    await sender.inv(2, del('ns', 'b'));
    await sender.inv(4, del('ns', 'd'));
    await last;
    expect(got.filter((m) => m.type === 'delete')).toEqual([
      del('ns', 'a'),
      del('ns', 'c'),
      del('ns', 'b'),
      del('ns', 'd'),
    ]);
    expect(b.stats()).toMatchObject({ gaps: 1, duplicates: 1, delivered: 4 });
  });

  it('delivers over sharded pub/sub (SPUBLISH / SSUBSCRIBE) on one server too', async () => {
    fresh();
    const a = await bus({ instanceId: 'a', sharded: true });
    const b = await bus({ instanceId: 'b', sharded: true });
    const classic = await bus({ instanceId: 'c' });
    const gotB = collect(b);
    const gotClassic = collect(classic);
    const delivered = nextEvent(b, 'message');
    await a.publish(del('ns', 'k'));
    expect((await delivered).seq).toBe(1);
    expect(gotB).toEqual([del('ns', 'k')]);
    // A classic subscriber of the same name hears nothing: shard channels are apart.
    const probe = nextEvent(classic, 'message');
    const classicSender = await bus({ instanceId: 'd' });
    await classicSender.publish(del('ns', 'probe'));
    await probe;
    expect(gotClassic).toEqual([del('ns', 'probe')]);
  });

  it('flaps its state on a gap by default, so that a cache drops its whole L1', async () => {
    fresh();
    const busB = await bus();
    const cache = track(createCache({ bus: busB }));
    await cache.set('local', 'value');
    const states: string[] = [];
    busB.onStateChange((s) => states.push(s));
    const sender = raw();
    await sender.inv(1, del('elsewhere', 'x'));
    const gap = nextEvent(busB, 'gap');
    await sender.inv(3, del('elsewhere', 'y'));
    expect((await gap).action).toBe('flap');
    expect(states).toEqual(['disconnected', 'connected']);
    expect(await cache.get('local')).toBeUndefined();
  });

  it('detects a lost trailing message from the next heartbeat', async () => {
    fresh();
    const b = await bus({ gapPolicy: 'clear-seen' });
    const got = collect(b);
    const sender = raw();
    await sender.inv(1, del('ns', 'a'));
    const gap = nextEvent(b, 'gap');
    await sender.hb(2);
    expect((await gap).missing).toBe(1);
    expect(got).toEqual([del('ns', 'a'), { type: 'clear', namespace: 'ns' }]);
  });

  it('reports a gap when a goodbye announces numbers that never arrived', async () => {
    fresh();
    const b = await bus({ gapPolicy: 'clear-seen' });
    const got = collect(b);
    const sender = raw('leaving');
    const gone = nextEvent(b, 'instance:gone');
    await sender.inv(1, del('ns', 'a'));
    await sender.bye(3); // 2 and 3 were abandoned in its retry queue
    expect(await gone).toMatchObject({ instanceId: 'leaving', reason: 'left' });
    expect(b.stats().gaps).toBe(1);
    expect(got).toEqual([del('ns', 'a'), { type: 'clear', namespace: 'ns' }]);
  });

  it('rejects ready() when closed before it ever connected', async () => {
    fresh();
    const b = redisBus({
      url: 'redis://127.0.0.1:1',
      channel,
      heartbeatIntervalMs: 0,
      redisOptions: { retryStrategy: () => null },
    });
    const ready = b.ready();
    await b.close();
    await expect(ready).rejects.toBeInstanceOf(ClosedError);
    await expect(b.ready()).rejects.toBeInstanceOf(ClosedError);
  });

  it('counts undecodable frames and frames of another version without delivering them', async () => {
    fresh();
    const b = await bus();
    const got = collect(b);
    const sender = raw();
    const last = nextEvent(b, 'message');
    await sender.raw('not json');
    await sender.raw(
      JSON.stringify({ v: 99, k: 'inv', i: 'x', e: 'e', s: 1, t: 0, m: del('n', 'k') }),
    );
    await sender.raw(sender.frame({ s: 1, m: { type: 'nope', namespace: 'n' } as never }));
    await sender.inv(1, del('ns', 'ok'));
    await last;
    expect(got).toEqual([del('ns', 'ok')]);
    expect(b.stats().invalid).toBe(3);
  });

  it('records who invalidated what and when in a bounded history', async () => {
    fresh();
    let now = 1000;
    const a = await bus({ instanceId: 'a', historySize: 2, now: () => now });
    const b = await bus({ instanceId: 'b' });
    const delivered = nextEvent(b, 'message', (e) => e.seq === 3);
    await a.publish(del('ns', 'k1'));
    now = 2000;
    await a.publish(del('ns', 'k2'));
    now = 3000;
    await a.publish({ type: 'delete-tags', namespace: 'ns', tags: ['t'] });
    await delivered;
    expect(a.history()).toEqual([
      { at: 2000, direction: 'out', instanceId: 'a', seq: 2, message: del('ns', 'k2') },
      {
        at: 3000,
        direction: 'out',
        instanceId: 'a',
        seq: 3,
        message: { type: 'delete-tags', namespace: 'ns', tags: ['t'] },
      },
    ]);
    const incoming = b.history();
    expect(incoming.map((h) => [h.direction, h.instanceId, h.seq])).toEqual([
      ['in', 'a', 1],
      ['in', 'a', 2],
      ['in', 'a', 3],
    ]);
  });

  it('lists live instances and reports one gone when it stops heart-beating', async () => {
    fresh();
    let now = 10_000;
    const b = await bus({
      instanceId: 'b',
      heartbeatIntervalMs: 0,
      instanceTimeoutMs: 5000,
      now: () => now,
    });
    const sender = raw('quiet');
    const joined = nextEvent(b, 'instance:join');
    await sender.hb(0);
    expect(await joined).toEqual({ instanceId: 'quiet', at: 10_000 });
    expect(b.instances().map((i) => [i.instanceId, i.self, i.lastSeenAt])).toEqual([
      ['b', true, 10_000],
      ['quiet', false, 10_000],
    ]);
    const gone: string[] = [];
    b.on('instance:gone', (e) => gone.push(`${e.instanceId}:${e.reason}:${e.lastSeenAt}`));
    now = 14_000;
    b.sweep();
    expect(gone).toEqual([]);
    now = 15_001;
    b.sweep();
    expect(gone).toEqual(['quiet:timeout:10000']);
    expect(b.instances().map((i) => i.instanceId)).toEqual(['b']);
  });

  it('announces itself with heartbeats and reports a closed instance gone at once', async () => {
    fresh();
    // B's timeout is long: only the goodbye may report A gone, however loaded the machine.
    const b = await bus({ instanceId: 'b', heartbeatIntervalMs: 20, instanceTimeoutMs: 60_000 });
    const joined = nextEvent(b, 'instance:join', (e) => e.instanceId === 'a');
    const a = redisBus({ url, channel, instanceId: 'a', heartbeatIntervalMs: 20 });
    await joined;
    expect(b.instances().map((i) => i.instanceId)).toEqual(['b', 'a']);
    const gone = nextEvent(b, 'instance:gone');
    await a.close();
    expect(await gone).toMatchObject({ instanceId: 'a', reason: 'left' });
  });

  it('uses a caller client to publish and leaves it open on close', async () => {
    fresh();
    const client = new Redis(url);
    try {
      const a = redisBus({ client, channel, instanceId: 'a', heartbeatIntervalMs: 0 });
      await a.ready();
      const b = await bus();
      const delivered = nextEvent(b, 'message');
      await a.publish(del('ns', 'k'));
      expect((await delivered).from).toBe('a');
      await a.close();
      await a.close();
      expect(await client.ping()).toBe('PONG');
      await expect(a.publish(del('ns', 'k'))).rejects.toBeInstanceOf(ClosedError);
    } finally {
      client.disconnect();
    }
  });

  it('publishes receptions with their delivery lag on diagnostics_channel', async () => {
    fresh();
    const seen: { from: string; seq: number; lagMs: number; type: string }[] = [];
    const listener = (m: unknown) => {
      seen.push(m as (typeof seen)[number]);
    };
    subscribe('cachestack:coherency:receive', listener);
    try {
      const b = await bus({ instanceId: 'b' });
      const a = await bus({ instanceId: 'a' });
      const delivered = nextEvent(b, 'message');
      await a.publish(del('ns', 'k'));
      await delivered;
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ instanceId: 'b', from: 'a', seq: 1, type: 'delete' });
      expect(seen[0]!.lagMs).toBeGreaterThanOrEqual(0);
    } finally {
      unsubscribe('cachestack:coherency:receive', listener);
    }
  });

  it('rejects invalid options with typed errors', () => {
    expect(() => redisBus({} as RedisBusOptions)).toThrow(/CACHESTACK|client/);
    expect(() => redisBus({ url, heartbeatIntervalMs: -1 })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() => redisBus({ url, gapPolicy: 'x' as never })).toThrow(
      expect.objectContaining({ option: 'gapPolicy' }),
    );
    expect(BusPublishError.name).toBe('BusPublishError');
  });
});
