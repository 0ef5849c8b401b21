import { afterEach, describe, expect, it } from 'vitest';
import type { Cache } from '../src/cache/cache.js';
import { setup } from './helpers.js';

const caches: Cache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

describe('event vocabulary (docs/events.md)', () => {
  it('reports a failed L2 call as store:error and, until the next minor, as l2:error too', async () => {
    const { cache, store } = setup();
    caches.push(cache);
    const current: string[] = [];
    const deprecated: string[] = [];
    cache.on('store:error', ({ operation, error }) =>
      current.push(`${operation}:${(error as { code?: string }).code}`),
    );
    cache.on('l2:error', ({ operation, error }) =>
      deprecated.push(`${operation}:${(error as { code?: string }).code}`),
    );
    store.fail();
    expect(await cache.get('k')).toBeUndefined();
    expect(current).toEqual(['get:CACHESTACK_STORE']);
    expect(deprecated).toEqual(current);
    store.heal();
  });

  it('reports a corrupt L2 entry as store:corrupt and, until the next minor, as l2:corrupt too', async () => {
    const { cache, store } = setup();
    caches.push(cache);
    const current: string[] = [];
    const deprecated: string[] = [];
    cache.on('store:corrupt', ({ key }) => current.push(key));
    cache.on('l2:corrupt', ({ key }) => deprecated.push(key));
    await cache.set('k', 'value', { skipL1: true });
    store.corrupt(1);
    expect(await cache.get('k', { skipL1: true })).toBeUndefined();
    expect(current).toEqual(['k']);
    expect(deprecated).toEqual(['k']);
    store.heal();
  });

  it('emits the circuit states under circuit:open, circuit:half-open and circuit:close', async () => {
    const { cache, store, clock } = setup();
    caches.push(cache);
    const states: string[] = [];
    cache.on('circuit:open', ({ failures }) => states.push(`open:${failures}`));
    cache.on('circuit:half-open', () => states.push('half-open'));
    cache.on('circuit:close', () => states.push('close'));
    store.fail();
    for (let i = 0; i < 3; i++) await cache.get(`k${i}`);
    store.heal();
    clock.advance(1000);
    await cache.get('probe');
    expect(states).toEqual(['open:3', 'half-open', 'close']);
  });
});
