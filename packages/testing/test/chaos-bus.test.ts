import {
  createCache,
  createMemoryBusHub,
  type InvalidationMessage,
  MemoryStore,
} from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { chaosBus, fakeClock } from '../src/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Two caches sharing an L2 and a bus hub; B's bus goes through chaos. */
function pair(clock = fakeClock()) {
  const hub = createMemoryBusHub();
  const store = new MemoryStore();
  const busB = chaosBus(hub.createBus(), { clock });
  const l2 = { store, closeStore: false };
  const a = createCache({ l2, bus: hub.createBus() });
  const b = createCache({ l2, bus: busB });
  closers.push(async () => {
    await a.close();
    await b.close();
  });
  return { a, b, busB, clock };
}

describe('chaosBus through real caches', () => {
  it('drop(): an instance keeps serving its old L1 value; after heal() invalidations arrive again', async () => {
    const { a, b, busB } = pair();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    busB.drop();
    await a.set('k', 'v2');
    await tick();
    expect(await b.get('k')).toBe('v1');
    expect(busB.counters.dropped).toBe(1);
    busB.heal();
    await a.set('k', 'v3');
    await tick();
    expect(await b.get('k')).toBe('v3');
  });

  it('delay(): the invalidation lands when the chaos clock reaches the delay', async () => {
    const { a, b, busB, clock } = pair();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    busB.delay(500);
    await a.set('k', 'v2');
    await tick();
    clock.advance(499);
    expect(await b.get('k')).toBe('v1');
    clock.advance(1);
    expect(await b.get('k')).toBe('v2');
    expect(busB.counters.delayed).toBe(1);
  });

  it('duplicate(): a message applied twice leaves the instance correct', async () => {
    const { a, b, busB } = pair();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    busB.duplicate();
    await a.set('k', 'v2');
    await tick();
    expect(busB.counters.duplicated).toBe(1);
    expect(busB.counters.delivered).toBe(3); // v1 once, v2 twice
    expect(await b.get('k')).toBe('v2');
  });

  it('disconnect(): the instance bypasses L1 while down and drops it on reconnect', async () => {
    const { a, b, busB } = pair();
    const states: string[] = [];
    b.on('bus:state', (e) => states.push(e.state));
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    busB.disconnect();
    expect(busB.state).toBe('disconnected');
    await a.set('k', 'v2');
    await tick();
    expect(busB.counters.lostWhileDisconnected).toBe(1);
    expect(await b.get('k')).toBe('v2');
    await expect(busB.publish({ type: 'clear', namespace: 'default' })).rejects.toThrow(
      'disconnected',
    );
    busB.reconnect();
    expect(await b.get('k')).toBe('v2');
    expect(states).toEqual(['disconnected', 'connected']);
  });
});

describe('chaosBus on its own', () => {
  const message = (key: string): InvalidationMessage => ({
    type: 'delete',
    namespace: 'n',
    keys: [key],
  });

  it('reorder(): a held message is delivered after the next one, flush() delivers the rest', async () => {
    const hub = createMemoryBusHub();
    const sender = hub.createBus();
    const bus = chaosBus(hub.createBus());
    const seen: string[] = [];
    bus.subscribe((m) => seen.push(m.type === 'delete' ? m.keys[0]! : m.type));
    bus.reorder(1);
    await sender.publish(message('1'));
    await tick();
    bus.configure({ reorderRate: 0 });
    await sender.publish(message('2'));
    await tick();
    expect(seen).toEqual(['2', '1']);
    bus.reorder(1);
    await sender.publish(message('3'));
    await tick();
    expect(seen).toEqual(['2', '1']);
    bus.flush();
    expect(seen).toEqual(['2', '1', '3']);
    expect(bus.counters.reordered).toBe(2);
    await bus.close();
  });

  it('drops about the configured fraction, replayably with a seed', async () => {
    const run = async (seed: number) => {
      const hub = createMemoryBusHub();
      const sender = hub.createBus();
      const bus = chaosBus(hub.createBus(), { dropRate: 0.25, seed });
      const seen: string[] = [];
      bus.subscribe((m) => seen.push(m.type === 'delete' ? m.keys[0]! : ''));
      for (let i = 0; i < 200; i++) await sender.publish(message(String(i)));
      await tick();
      await bus.close();
      return seen;
    };
    const first = await run(9);
    expect(await run(9)).toEqual(first);
    expect(first.length).toBeGreaterThan(120);
    expect(first.length).toBeLessThan(180);
  });

  it('rejects out-of-range options with a typed error', () => {
    const bus = createMemoryBusHub().createBus();
    expect(() => chaosBus(bus, { duplicateRate: -0.1 })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() => chaosBus({} as typeof bus)).toThrow(/Bus/);
  });
});
