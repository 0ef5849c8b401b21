import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { type CoreTraceContext, createCache, type Locker, memoryStore } from '../src/index.js';

const offs: Array<() => void> = [];
afterEach(() => {
  for (const off of offs.splice(0)) off();
});

describe('diagnostics messages name their cache and namespace', () => {
  it('tags each L2 message with the cache identity and the namespace of the call', async () => {
    const messages: Array<{ cache: object; namespace: string; operation: string }> = [];
    const onL2 = (m: unknown) => messages.push(m as (typeof messages)[number]);
    subscribe('cachestack:core:l2', onL2);
    offs.push(() => unsubscribe('cachestack:core:l2', onL2));
    const a = createCache({ namespace: 'a', l2: memoryStore() });
    const b = createCache({ namespace: 'b', l2: memoryStore() });
    const users = a.namespace('users');
    await a.set('k', 1);
    await users.get('k');
    await b.get('k');
    await Promise.all([a.close(), b.close()]);
    expect(users.diagnosticsId).toBe(a.diagnosticsId);
    expect(a.diagnosticsId).not.toBe(b.diagnosticsId);
    expect(messages.map((m) => [m.cache, m.namespace, m.operation])).toEqual([
      [a.diagnosticsId, 'a', 'set'],
      [a.diagnosticsId, users.namespaceName, 'get'],
      [b.diagnosticsId, 'b', 'get'],
    ]);
  });

  it('starts a load before its L2 read and lock wait, and ends it after them', async () => {
    const events: string[] = [];
    for (const name of ['load', 'l2', 'lock-wait']) {
      const channel = tracingChannel<unknown, CoreTraceContext>(`cachestack:core:${name}`);
      const handlers = {
        start: (m: CoreTraceContext) => events.push(`${name}:start:${m.operation ?? m.key}`),
        end: () => {},
        asyncStart: () => {},
        asyncEnd: (m: CoreTraceContext) => events.push(`${name}:end:${m.operation ?? m.key}`),
        error: () => {},
      };
      channel.subscribe(handlers);
      offs.push(() => channel.unsubscribe(handlers));
    }
    // An uncontended in-process locker: enough to make the load wait for a lock.
    const locker: Locker = {
      acquire: async (resource) => ({
        resource,
        signal: new AbortController().signal,
        release: async () => {},
      }),
    };
    const cache = createCache({ namespace: 'n', l2: memoryStore(), lock: { locker } });
    await cache.getOrSet('k', async () => 1);
    await cache.close();
    expect(events).toEqual([
      'load:start:k',
      'l2:start:getWithFence',
      'l2:end:getWithFence',
      'lock-wait:start:k',
      'lock-wait:end:k',
      'l2:start:getWithFence',
      'l2:end:getWithFence',
      'l2:start:set',
      'l2:end:set',
      'load:end:k',
    ]);
  });
});
