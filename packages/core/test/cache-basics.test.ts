import { afterEach, describe, expect, it } from 'vitest';
import { createCache } from '../src/cache/create-cache.js';
import {
  ClosedError,
  InvalidKeyError,
  InvalidOptionError,
  LoaderError,
  SerializationError,
} from '../src/contracts/errors.js';
import { noopLogger } from '../src/contracts/logger.js';
import { MemoryStore, memoryStore } from '../src/tiers/memory-store.js';
import { deferred, setup } from './helpers.js';

const caches: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
function track<T extends { close(): Promise<void> }>(c: T): T {
  caches.push(c);
  return c;
}

describe('cache basics', () => {
  it('stores and reads values through L1 and L2', async () => {
    const { cache, inner } = setup();
    track(cache);
    await cache.set('a', { n: 1 });
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await inner.has('default', 'a')).toBe(true);
    expect(await cache.get('a', { skipL1: true })).toEqual({ n: 1 });
    expect(await cache.get('missing')).toBeUndefined();
    expect(await cache.has('a')).toBe(true);
    expect(await cache.has('missing')).toBe(false);
  });

  it('keeps Date, Map, Set, BigInt and Buffer intact through L2', async () => {
    const { cache } = setup();
    track(cache);
    const value = {
      d: new Date(5),
      m: new Map([['k', 1n]]),
      s: new Set([1]),
      b: Buffer.from('hi'),
      u: undefined,
    };
    await cache.set('typed', value);
    const back = await cache.get<typeof value>('typed', { skipL1: true });
    expect(back).toEqual(value);
    expect(back?.m.get('k')).toBe(1n);
  });

  it('expires values after their TTL and keeps them as stale within grace', async () => {
    const { cache, clock } = setup();
    track(cache);
    await cache.set('k', 'v1', { ttl: '1m', grace: '10m' });
    clock.advance(59_000);
    expect(await cache.get('k')).toBe('v1');
    clock.advance(2_000);
    expect(await cache.get('k')).toBeUndefined();
    const failing = () => Promise.reject(new Error('db down'));
    expect(await cache.getOrSet('k', failing)).toBe('v1');
    clock.advance(10 * 60_000);
    await expect(cache.getOrSet('k', failing)).rejects.toBeInstanceOf(LoaderError);
  });

  it('serves the stale value while the loader fails, and reports it', async () => {
    const { cache, clock } = setup();
    track(cache);
    const stale: string[] = [];
    cache.on('stale', (e) => stale.push(e.reason));
    await cache.getOrSet('k', () => 'v1', { ttl: 1000, grace: 60_000 });
    clock.advance(1500);
    expect(
      await cache.getOrSet('k', () => Promise.reject(new Error('x')), { ttl: 1000, grace: 60_000 }),
    ).toBe('v1');
    expect(stale).toEqual(['loader-error']);
  });

  it('wraps loader failures in LoaderError with the cause', async () => {
    const { cache } = setup();
    track(cache);
    const cause = new Error('boom');
    const error = await cache.getOrSet('k', () => Promise.reject(cause)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoaderError);
    expect((error as LoaderError).code).toBe('CACHESTACK_LOADER_FAILED');
    expect((error as LoaderError).cause).toBe(cause);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('isolates namespaces and clears only one', async () => {
    const { cache } = setup();
    track(cache);
    const users = cache.namespace('users');
    const orders = cache.namespace('orders', { defaults: { ttl: '1h' }, priority: 'high' });
    await users.set('1', 'user 1');
    await orders.set('1', 'order 1');
    await cache.set('1', 'root 1');
    expect(await users.get('1')).toBe('user 1');
    expect(await orders.get('1')).toBe('order 1');
    await users.clear();
    expect(await users.get('1')).toBeUndefined();
    expect(await users.get('1', { skipL1: true })).toBeUndefined();
    expect(await orders.get('1')).toBe('order 1');
    expect(await cache.get('1')).toBe('root 1');
    expect(users.namespace('admins').namespaceName).toBe('users.admins');
  });

  it('deletes by tag in L1 and L2 and leaves other entries', async () => {
    const { cache, inner } = setup();
    track(cache);
    await cache.set('a', 1, { tags: ['red'] });
    await cache.set('b', 2, { tags: ['red', 'blue'] });
    await cache.set('c', 3, { tags: ['blue'] });
    await cache.deleteByTag('red');
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    expect(await inner.has('default', 'a')).toBe(false);
    expect(await inner.has('default', 'c')).toBe(true);
  });

  it('reads many keys with one L2 call and deletes many', async () => {
    const { cache, store } = setup();
    track(cache);
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(store.count('setMany')).toBe(1);
    expect(await cache.getMany(['a', 'b', 'x'], { skipL1: true })).toEqual([1, 2, undefined]);
    expect(store.count('getMany')).toBe(1);
    await cache.deleteMany(['a', 'b']);
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined]);
  });

  it('calls the batch loader once with only the keys missing from every tier', async () => {
    const { cache } = setup();
    track(cache);
    await cache.set('in-l1', 'one');
    await cache.set('in-l2', 'two', { skipL1: true });
    const calls: string[][] = [];
    const values = await cache.getOrSetMany(['in-l1', 'in-l2', 'x', 'y'], (keys) => {
      calls.push(keys);
      return new Map(keys.map((k) => [k, `loaded ${k}`]));
    });
    expect(values).toEqual(['one', 'two', 'loaded x', 'loaded y']);
    expect(calls).toEqual([['x', 'y']]);
    expect(await cache.getOrSetMany(['x', 'y'], () => expect.unreachable())).toEqual([
      'loaded x',
      'loaded y',
    ]);
  });

  it('joins a batch and a single getOrSet of the same key into one load', async () => {
    const { cache } = setup();
    track(cache);
    const gate = deferred<void>();
    let loads = 0;
    const batch = cache.getOrSetMany(['k'], async (keys) => {
      loads++;
      await gate.promise;
      return keys.map((k) => `v:${k}`);
    });
    await new Promise((r) => setImmediate(r));
    const single = cache.getOrSet('k', () => {
      loads++;
      return 'other';
    });
    gate.resolve();
    expect(await batch).toEqual(['v:k']);
    expect(await single).toBe('v:k');
    expect(loads).toBe(1);
  });

  it('promotes L2 hits to L1 only after N hits within the window when configured', async () => {
    const { cache, store } = setup({ l1: { promotion: { afterHits: 3, windowMs: '1m' } } });
    track(cache);
    await cache.set('k', 'v', { skipL1: true });
    for (let i = 0; i < 3; i++) expect(await cache.get('k')).toBe('v');
    const before = store.count('get');
    expect(await cache.get('k')).toBe('v');
    expect(store.count('get')).toBe(before);
    expect(before).toBe(3);
  });

  it('refreshes in the background past the eager-refresh fraction of the TTL', async () => {
    const { cache, clock } = setup();
    track(cache);
    let version = 0;
    const loader = () => `v${++version}`;
    const opts = { ttl: 1000, eagerRefresh: 0.8 };
    expect(await cache.getOrSet('k', loader, opts)).toBe('v1');
    clock.advance(850);
    expect(await cache.getOrSet('k', loader, opts)).toBe('v1');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(version).toBe(2);
    expect(await cache.getOrSet('k', loader, opts)).toBe('v2');
  });

  it('returns the stale value on a soft timeout and stores the late result', async () => {
    const { cache, clock } = setup();
    track(cache);
    await cache.set('k', 'old', { ttl: 1000, grace: 60_000 });
    clock.advance(2000);
    const gate = deferred<string>();
    const pending = cache.getOrSet('k', () => gate.promise, {
      softTimeoutMs: 20,
      ttl: 1000,
      grace: 60_000,
    });
    await clock.advanceAsync(20); // the soft timeout elapses on the fake clock
    const value = await pending;
    expect(value).toBe('old');
    gate.resolve('new');
    await clock.advanceAsync(5);
    expect(await cache.get('k')).toBe('new');
  });

  it('rejects with TimeoutError on a hard timeout without a stale value', async () => {
    const { cache, clock } = setup();
    track(cache);
    const gate = deferred<string>();
    const pending = cache
      .getOrSet('k', () => gate.promise, { hardTimeoutMs: 20 })
      .catch((e: unknown) => e);
    await clock.advanceAsync(20); // the hard timeout elapses on the fake clock
    const error = await pending;
    expect((error as { code: string }).code).toBe('CACHESTACK_TIMEOUT');
    gate.resolve('late');
  });

  it('emits evict events when L1 is full', async () => {
    const cache = track(createCache({ l1: { maxEntries: 2, policy: 'lru' } }));
    const evicted: string[] = [];
    cache.on('evict', (e) => evicted.push(e.key));
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(evicted).toEqual(['a']);
    expect(cache.stats().l1Entries).toBe(2);
  });

  it('by default (w-tinylfu) drops a new entry that is used no more than the victim', async () => {
    const cache = track(createCache({ l1: { maxEntries: 2 } }));
    const evicted: { key: string; reason: string }[] = [];
    cache.on('evict', (e) => evicted.push(e));
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3); // b leaves the window and loses against a (neither was read)
    expect(evicted).toEqual([{ key: 'b', reason: 'rejected' }]);
    expect(cache.stats().l1Entries).toBe(2);
  });

  it('counts hits per tier, misses and stale serves per namespace, getMany included', async () => {
    const { cache } = setup();
    track(cache);
    const users = cache.namespace('users');
    await users.set('a', 1);
    await users.set('b', 2, { skipL1: true });
    await users.get('a');
    await users.getMany(['a', 'b', 'x']);
    await users.getOrSet('y', () => 'loaded');
    const counters = cache.stats().namespaces.find((n) => n.namespace === 'users');
    expect(counters).toMatchObject({ l1Hits: 2, l2Hits: 1, misses: 2 });
  });

  it('shrinks L1 on demand, least recently used first', async () => {
    const cache = track(createCache({ l1: { maxEntries: 100 } }));
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i);
    await cache.get('k0');
    expect(cache.shrinkL1(0.5)).toBe(5);
    expect(cache.stats().l1Entries).toBe(5);
    expect(await cache.get('k0')).toBe(0);
    expect(await cache.get('k1')).toBeUndefined();
    expect(() => cache.shrinkL1(2)).toThrow(InvalidOptionError);
  });

  it('bounds L1 by estimated bytes', async () => {
    const cache = track(createCache({ l1: { maxEntries: 1000, maxBytes: '4kb' } }));
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, 'x'.repeat(500));
    expect(cache.stats().l1Bytes).toBeLessThanOrEqual(4096);
    expect(cache.stats().l1Entries).toBeLessThan(100);
  });

  it('fails after close with ClosedError; close is idempotent; asyncDispose closes', async () => {
    const { cache, inner } = setup();
    await cache.close();
    await cache.close();
    await expect(cache.get('a')).rejects.toBeInstanceOf(ClosedError);
    await expect(cache.set('a', 1)).rejects.toBeInstanceOf(ClosedError);
    await expect(inner.get('default', 'a')).rejects.toBeInstanceOf(ClosedError);
    {
      await using disposable = createCache();
      await disposable.set('x', 1);
    }
  });
});

describe('bad input fails fast with typed errors (guarantee 5)', () => {
  it('rejects empty, non-string, NUL-prefixed and oversized keys', async () => {
    const cache = track(createCache({ maxKeyLength: 64 }));
    for (const key of ['', 42, null, undefined, {}, '\u0000x', 'k'.repeat(65)]) {
      const error = await cache.get(key as string).catch((e: unknown) => e);
      expect(error, String(key)).toBeInstanceOf(InvalidKeyError);
      expect((error as InvalidKeyError).code).toBe('CACHESTACK_INVALID_KEY');
    }
    await expect(cache.set('', 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.getOrSet('', () => 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.getMany(['ok', ''])).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('reports a bad getOrSet call as a rejection, never a synchronous throw', async () => {
    const cache = track(createCache());
    await cache.set('k', 1);
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = cache.getOrSet('k', 'not a function' as never);
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(InvalidOptionError);
    expect(() => {
      pending = cache.getOrSet('k', () => 2, { ttl: -1 });
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(InvalidOptionError);
    await cache.close();
    expect(() => {
      pending = cache.getOrSet('k', () => 2);
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
  });

  it('rejects negative, zero and NaN TTLs, bad fractions and unknown options', async () => {
    const cache = track(createCache());
    const bad = [
      { ttl: -1 },
      { ttl: 0 },
      { ttl: Number.NaN },
      { ttl: 'soon' },
      { grace: -5 },
      { jitter: 2 },
      { eagerRefresh: 1 },
      { tags: [''] },
      { ttll: 5 },
      { softTimeoutMs: 100, hardTimeoutMs: 50 },
    ];
    for (const options of bad) {
      const error = await cache.getOrSet('k', () => 1, options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('CACHESTACK_INVALID_OPTION');
    }
    expect(() => createCache({ l1: { maxEntries: 0 } })).toThrow(InvalidOptionError);
    expect(() => createCache({ l1: { policy: 'random' as never } })).toThrow(InvalidOptionError);
    expect(() => createCache({ l2: {} as never })).toThrow(InvalidOptionError);
    expect(() => createCache({ namespace: 'bad name' })).toThrow(InvalidKeyError);
  });

  it('checks every createCache option at construction and names the bad one', () => {
    const store = memoryStore();
    const codec = {
      name: 'identity',
      ids: [9],
      encode: (data: Uint8Array) => ({ id: 9, data }),
      decode: (_id: number, data: Uint8Array) => data,
    };
    const bad: [string, Record<string, unknown>][] = [
      ['bus', { bus: 5 }],
      ['bus', { bus: { publish() {} } }],
      ['serializer', { serializer: 5 }],
      ['serializer', { serializer: { id: 300, serialize() {}, deserialize() {} } }],
      ['codec', { codec: {} }],
      ['codec', { codec: { ...codec, ids: [] } }],
      ['decoders', { decoders: codec }],
      ['decoders[1]', { decoders: [codec, { name: 'x' }] }],
      ['logger', { logger: 5 }],
      ['logger', { logger: { info() {} } }],
      ['lock', { lock: 5 }],
      ['lock.locker', { lock: { locker: {} } }],
      ['lock.leaseMss', { lock: { locker: { acquire() {} }, leaseMss: 5 } }],
      ['l2', { l2: 5 }],
      ['l2', { l2: {} }],
      ['l2.timeoutMss', { l2: { store, timeoutMss: 5 } }],
      ['l2.store', { l2: { store: { getWithFence() {} } } }],
      ['l1.maxEntriez', { l1: { maxEntriez: 5 } }],
      ['hotKeys.topk', { hotKeys: { topk: 5 } }],
      ['clock', { clock: { now: () => 0 } }],
      ['now', { now: 5 }],
      ['namespce', { namespce: 'users' }],
      ['options', 5 as never],
    ];
    for (const [option, options] of bad) {
      let error: unknown;
      try {
        createCache(options as never).close();
      } catch (e) {
        error = e;
      }
      expect(error, option).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('CACHESTACK_INVALID_OPTION');
      expect((error as InvalidOptionError).option, JSON.stringify(options)).toBe(option);
    }
    // well-formed options of every kind are accepted
    const ok = createCache({
      l2: { store, timeoutMs: 100 },
      codec,
      decoders: [codec],
      serializer: { id: 7, serialize: () => new Uint8Array(), deserialize: () => null },
      logger: noopLogger,
      lock: { locker: { acquire: () => Promise.reject(new Error('unused')) } },
      hotKeys: { topK: 5 },
    });
    expect(ok).toBeDefined();
    return ok.close();
  });

  it('rejects values that cannot be serialized and keeps what was stored', async () => {
    const { cache, inner } = setup();
    track(cache);
    await cache.set('k', 'good');
    const error = await cache.set('k', { f: () => 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(await cache.get('k')).toBe('good');
    expect(await cache.get('k', { skipL1: true })).toBe('good');
    expect(await inner.has('default', 'k')).toBe(true);
  });
});

describe('loader-dictated TTL', () => {
  it('lets the loader set the TTL and grace of the entry it returns', async () => {
    const { cache, clock, inner } = setup();
    track(cache);
    const value = await cache.getOrSet(
      'k',
      (ctx) => {
        ctx.setTtl('10s', '1m');
        return 'v';
      },
      { ttl: '1h' },
    );
    expect(value).toBe('v');
    const ttl = await inner.ttl('default', 'k');
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(70_000);
    clock.advance(11_000);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => Promise.reject(new Error('down')))).toBe('v');
  });

  it('rejects a zero TTL from the loader with InvalidOptionError', async () => {
    const { cache } = setup();
    track(cache);
    const error = await cache
      .getOrSet('k', (ctx) => {
        ctx.setTtl(0);
        return 'v';
      })
      .catch((e: unknown) => e);
    expect((error as LoaderError).cause).toBeInstanceOf(InvalidOptionError);
  });
});

describe('store ownership', () => {
  it('leaves a shared store open on close when closeStore is false', async () => {
    const store = new MemoryStore();
    const a = createCache({ l2: { store, closeStore: false } });
    const b = track(createCache({ l2: { store, closeStore: false } }));
    await a.set('k', 1);
    await a.close();
    expect(await b.get('k')).toBe(1);
    await store.close();
  });
});

describe('the clock seam', () => {
  it('keeps `now` as an alias of `clock`: entries expire on its time', async () => {
    let t = 1_700_000_000_000;
    const cache = track(createCache({ now: () => t }));
    await cache.set('k', 'v', { ttl: 1000 });
    expect(await cache.get('k')).toBe('v');
    t += 1001;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('runs the L2 replay timer on the given clock only', async () => {
    const { cache, store, inner, clock } = setup();
    track(cache);
    await cache.set('k', 'v');
    store.fail();
    await cache.delete('k');
    store.heal();
    expect(clock.pending).toBeGreaterThan(0); // the replay waits for the clock, not for wall time
    expect(cache.stats().pendingInvalidations).toBe(1);
    await clock.advanceAsync(1000);
    expect(cache.stats().pendingInvalidations).toBe(0);
    expect(await inner.has('default', 'k')).toBe(false);
  });
});
