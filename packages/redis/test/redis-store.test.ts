import {
  CacheStackError,
  InvalidKeyError,
  InvalidOptionError,
  type Logger,
  StoreError,
  systemClock,
} from '@cachestack/core';
import { clusterSlot } from '@cachestack/core/kit';
import { freePort, redisUrl, startPrivateRedis, uniquePrefix } from '@cachestack/test-suite';
import { Redis, ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeShards, type RedisStore, redisKeyspace, redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

const prefix = uniquePrefix('redis-store');
const ks = redisKeyspace(prefix);
const bytes = Uint8Array.from([7, 8, 9]);
let raw: Redis;
let store: RedisStore;

beforeAll(async () => {
  raw = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  store = redisStore({ client: raw, prefix, fenceTtlMs: 30_000 });
});

afterAll(async () => {
  await store?.close();
  await deletePrefix(redisUrl(), prefix);
  raw?.disconnect();
});

async function rejection(pending: Promise<unknown>): Promise<unknown> {
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('resolved instead of rejecting');
}

describe('redisStore options', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['client', { prefix: 'p' }],
    ['client', { prefix: 'p', url: 'redis://x', client: {} }],
    ['client', { prefix: 'p', client: { not: 'a client' } }],
    ['url', { prefix: 'p', url: 'http://127.0.0.1' }],
    ['prefix', { url: 'redis://127.0.0.1:1' }],
    ['prefix', { url: 'redis://127.0.0.1:1', prefix: 'has space' }],
    ['prefix', { url: 'redis://127.0.0.1:1', prefix: 'a:b' }],
    ['commandTimeoutMs', { url: 'redis://127.0.0.1:1', prefix: 'p', commandTimeoutMs: 0 }],
    ['commandTimeoutMs', { url: 'redis://127.0.0.1:1', prefix: 'p', commandTimeoutMs: 1.5 }],
    ['fenceTtlMs', { url: 'redis://127.0.0.1:1', prefix: 'p', fenceTtlMs: -1 }],
    ['fenceTtlMs', { url: 'redis://127.0.0.1:1', prefix: 'p', fenceTtlMs: 1000 }],
    ['now', { url: 'redis://127.0.0.1:1', prefix: 'p', now: 5 }],
    ['now', { url: 'redis://127.0.0.1:1', prefix: 'p', now: Date.now, clock: systemClock }],
    ['clock', { url: 'redis://127.0.0.1:1', prefix: 'p', clock: { now: Date.now } }],
    ['clearBatchSize', { url: 'redis://127.0.0.1:1', prefix: 'p', clearBatchSize: Number.NaN }],
    ['getBatchMaxKeys', { url: 'redis://127.0.0.1:1', prefix: 'p', getBatchMaxKeys: 0 }],
    ['logger', { url: 'redis://127.0.0.1:1', prefix: 'p', logger: { warn() {} } }],
  ];
  it('rejects a client with a keyPrefix, which its scripts and SCAN would not honour', () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    expect(() => redisStore({ client: prefixed, prefix: 'p' })).toThrow(InvalidOptionError);
    prefixed.disconnect();
  });

  it.each(cases)('rejects an invalid %s with InvalidOptionError', (option, options) => {
    let caught: unknown;
    try {
      redisStore(options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).code).toBe('CACHESTACK_INVALID_OPTION');
    expect((caught as InvalidOptionError).option).toBe(option);
  });

  it('reports errors of the client it created to the logger', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (obj) => warnings.push(obj),
      error() {},
      child: () => logger,
    };
    const s = redisStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'p', logger });
    expect(await rejection(s.get('n', 'k'))).toBeInstanceOf(StoreError);
    await s.close();
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe('redis store specifics', () => {
  it('rejects a namespace holding a brace, which would break its hash tag', async () => {
    for (const ns of ['a{b', 'a}b', '{a}']) {
      expect(await rejection(store.get(ns, 'k'))).toBeInstanceOf(InvalidKeyError);
    }
  });

  it('rejects a fence that this store did not issue', async () => {
    for (const fence of ['abc', '-1', '1.5', '', '01:5', '5', '5:', ':5', '5:1.5']) {
      const error = await rejection(store.set('n', 'k', bytes, { ttlMs: 1000, fence }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe('fence');
    }
  });

  it('lays out entries, tag sets and marks under the namespace hash tag', async () => {
    const ns = 'layout';
    await store.set(ns, 'short', bytes, { ttlMs: 5_000, tags: ['t'] });
    await store.set(ns, 'long', bytes, { ttlMs: 50_000, tags: ['t'] });
    await store.set(ns, 'shorter', bytes, { ttlMs: 1_000, tags: ['t'] });
    expect(ks.entry(ns, 'long')).toBe(`${prefix}:{layout}:k:long`);
    expect(await raw.pttl(ks.entry(ns, 'long'))).toBeGreaterThan(40_000);
    // The tag set lives at least as long as its longest entry.
    expect(await raw.pttl(ks.tagSet(ns, 't'))).toBeGreaterThan(40_000);
    expect((await raw.smembers(ks.tagSet(ns, 't'))).sort()).toEqual(['long', 'short', 'shorter']);
    // Unconditional writes stamp a key mark that expires after fenceTtlMs.
    const markTtl = await raw.pttl(ks.keyMark(ns, 'long'));
    expect(markTtl).toBeGreaterThan(0);
    expect(markTtl).toBeLessThanOrEqual(30_000);
    expect(await raw.pttl(ks.epoch(ns))).toBe(-1);
    expect(Number(await raw.get(ks.epoch(ns)))).toBe(3);
  });

  it('does not bump the epoch on a conditional write', async () => {
    const ns = 'no-bump';
    const { fence } = await store.getWithFence(ns, 'k');
    expect(fence).toMatch(/^0:\d+$/);
    await store.set(ns, 'k', bytes, { ttlMs: 10_000, fence, tags: ['t'] });
    await store.setMany(ns, [{ key: 'j', value: bytes, ttlMs: 10_000 }], fence);
    expect(await raw.get(ks.epoch(ns))).toBeNull();
    expect(await raw.exists(ks.keyMark(ns, 'k'))).toBe(0);
  });

  it('fences writes of every key a tag invalidation deleted, whatever tags they carry', async () => {
    const ns = 'tag-members';
    await store.set(ns, 'k', bytes, { ttlMs: 10_000, tags: ['t'] });
    const { fence } = await store.getWithFence(ns, 'k');
    await store.deleteByTag(ns, ['t']);
    await expect(store.set(ns, 'k', bytes, { ttlMs: 10_000, fence })).resolves.toBe('fenced');
  });

  it('reports a write with a fence older than its marks can cover as fenced, unsent', async () => {
    let now = 1_000_000;
    const s = redisStore({
      client: raw,
      prefix,
      fenceTtlMs: 10_000,
      commandTimeoutMs: 1_000,
      now: () => now,
    });
    expect(s.fenceTtlMs).toBe(10_000);
    const ns = 'old-fence';
    const young = await s.getWithFence(ns, 'young');
    const old = await s.getManyWithFence(ns, ['a', 'b']);
    now += 8_999;
    await expect(s.set(ns, 'young', bytes, { ttlMs: 10_000, fence: young.fence })).resolves.toBe(
      'written',
    );
    now += 1;
    const entries = [
      { key: 'a', value: bytes, ttlMs: 10_000 },
      { key: 'b', value: bytes, ttlMs: 10_000 },
    ];
    await expect(s.setMany(ns, entries, old.fence)).resolves.toEqual(['fenced', 'fenced']);
    await expect(s.set(ns, 'a', bytes, { ttlMs: 10_000, fence: old.fence })).resolves.toBe(
      'fenced',
    );
    expect(await raw.exists(ks.entry(ns, 'a'), ks.entry(ns, 'b'))).toBe(0);
    await s.close();
  });

  it('fences across connections, as between processes', async () => {
    const other = redisStore({ url: redisUrl(), prefix });
    try {
      const ns = 'cross';
      const { fence } = await store.getWithFence(ns, 'k');
      await other.delete(ns, 'k');
      await expect(store.set(ns, 'k', bytes, { ttlMs: 10_000, fence })).resolves.toBe('fenced');
      const next = await other.getWithFence(ns, 'k');
      await store.clear(ns);
      await expect(other.set(ns, 'k', bytes, { ttlMs: 10_000, fence: next.fence })).resolves.toBe(
        'fenced',
      );
    } finally {
      await other.close();
    }
  });

  it('keeps the epoch and clear mark through a clear, and prunes the tag sets', async () => {
    const ns = 'clear-meta';
    await store.set(ns, 'a', bytes, { ttlMs: 10_000, tags: ['t'] });
    await store.delete(ns, 'gone');
    await store.clear(ns);
    const epoch = Number(await raw.get(ks.epoch(ns)));
    expect(epoch).toBe(3);
    expect(Number(await raw.get(ks.clearMark(ns)))).toBe(3);
    expect(await raw.pttl(ks.clearMark(ns))).toBe(-1);
    expect(await raw.exists(ks.tagSet(ns, 't'), ks.entry(ns, 'a'))).toBe(0);
    // Key marks are left to expire: deleting them could unfence a write racing the clear.
    expect(await raw.exists(ks.keyMark(ns, 'gone'))).toBe(1);
  });

  it('clears a namespace larger than one batch', async () => {
    const small = redisStore({ client: raw, prefix, clearBatchSize: 3 });
    const ns = 'clear-batches';
    await small.setMany(
      ns,
      Array.from({ length: 40 }, (_, i) => ({
        key: `k${i}`,
        value: bytes,
        ttlMs: 10_000,
        tags: [`t${i % 5}`],
      })),
    );
    await small.clear(ns);
    expect(await raw.keys(`${prefix}:{${ns}}:[kt]:*`)).toEqual([]);
    await small.close();
  });

  it('reports Infinity as the ttl of a key written without expiry by someone else', async () => {
    await raw.set(ks.entry('foreign', 'k'), 'x');
    await expect(store.ttl('foreign', 'k')).resolves.toBe(Number.POSITIVE_INFINITY);
  });

  it('wraps a Redis command error in StoreError with the reply error as cause', async () => {
    await raw.sadd(ks.entry('wrong', 'k'), 'member');
    const error = await rejection(store.get('wrong', 'k'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toBeInstanceOf(CacheStackError);
    expect((error as StoreError).code).toBe('CACHESTACK_STORE');
    expect((error as StoreError).cause).toBeInstanceOf(ReplyError);
  });

  it('closes through Symbol.asyncDispose', async () => {
    const s = redisStore({ client: raw, prefix });
    await s[Symbol.asyncDispose]();
    expect(await rejection(s.get('n', 'k'))).toMatchObject({ code: 'CACHESTACK_CLOSED' });
    expect(raw.status).toBe('ready');
  });

  it('returns binary values as Uint8Array views', async () => {
    await store.set('bin', 'k', bytes, { ttlMs: 10_000 });
    const value = await store.get('bin', 'k');
    expect(value).toBeInstanceOf(Uint8Array);
    expect([...value!]).toEqual([7, 8, 9]);
  });
});

describe('round trips (private redis-server, INFO commandstats)', () => {
  it('uses one GET per get, one MGET per fenced read, one script call per write', async () => {
    const server = await startPrivateRedis();
    const s = redisStore({ url: server.url, prefix: 'rt' });
    const client = new Redis(server.url);
    try {
      await s.set('n', 'k', bytes, { ttlMs: 10_000, tags: ['t'] });
      await client.config('RESETSTAT');
      await s.get('n', 'k');
      await s.get('n', 'k');
      await s.getMany('n', ['k', 'x']);
      await s.getWithFence('n', 'k');
      await s.getManyWithFence('n', ['k', 'x']);
      await s.set('n', 'k', bytes, { ttlMs: 10_000, tags: ['t'] });
      const stats = await client.info('commandstats');
      const calls = (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(calls('get')).toBe(2);
      expect(calls('mget')).toBe(3);
      expect(calls('evalsha') + calls('eval')).toBe(1);
    } finally {
      await s.close();
      client.disconnect();
      await server.stop();
    }
  });
});

describe('get batching (private redis-server, INFO commandstats)', () => {
  it('sends the first get of a tick at once and the rest of the tick as one MGET, each caller getting its own value', async () => {
    const server = await startPrivateRedis();
    const s = redisStore({ url: server.url, prefix: 'gb' });
    const client = new Redis(server.url);
    try {
      for (let i = 0; i < 5; i++) {
        await s.set('n', `k${i}`, Uint8Array.of(i), { ttlMs: 10_000 });
      }
      await s.set('other', 'k0', Uint8Array.of(99), { ttlMs: 10_000 });
      await client.config('RESETSTAT');
      const reads = await Promise.all([
        s.get('n', 'k3'),
        s.get('n', 'missing'),
        s.get('n', 'k0'),
        s.get('other', 'k0'),
        s.get('n', 'k4'),
      ]);
      expect(reads.map((r) => (r === undefined ? undefined : [...r]))).toEqual([
        [3],
        undefined,
        [0],
        [99],
        [4],
      ]);
      const stats = await client.info('commandstats');
      const calls = (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(calls('get')).toBe(1);
      expect(calls('mget')).toBe(1);
    } finally {
      await s.close();
      client.disconnect();
      await server.stop();
    }
  });

  it('splits a tick into MGETs of at most getBatchMaxKeys keys, and sends plain GETs at 1', async () => {
    const server = await startPrivateRedis();
    const batched = redisStore({ url: server.url, prefix: 'gb', getBatchMaxKeys: 2 });
    const single = redisStore({ url: server.url, prefix: 'gb', getBatchMaxKeys: 1 });
    const client = new Redis(server.url);
    try {
      await batched.set('n', 'k', bytes, { ttlMs: 10_000 });
      await client.config('RESETSTAT');
      const reads = await Promise.all(Array.from({ length: 5 }, () => batched.get('n', 'k')));
      expect(reads.every((r) => r !== undefined && [...r].join() === '7,8,9')).toBe(true);
      await Promise.all([single.get('n', 'k'), single.get('n', 'k')]);
      const stats = await client.info('commandstats');
      const calls = (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(calls('mget')).toBe(2);
      expect(calls('get')).toBe(3);
    } finally {
      await batched.close();
      await single.close();
      client.disconnect();
      await server.stop();
    }
  });

  it('sends the fenced reads that follow the first of a tick as one MGET with the epoch, each fence still guarding its key', async () => {
    const server = await startPrivateRedis();
    const s = redisStore({ url: server.url, prefix: 'gbf' });
    const client = new Redis(server.url);
    try {
      await s.set('n', 'a', Uint8Array.of(1), { ttlMs: 10_000 });
      await s.set('n', 'b', Uint8Array.of(2), { ttlMs: 10_000 });
      await client.config('RESETSTAT');
      const [a, b, c] = await Promise.all([
        s.getWithFence('n', 'a'),
        s.getWithFence('n', 'b'),
        s.getWithFence('n', 'c'),
      ]);
      const stats = await client.info('commandstats');
      // The first read alone (key + epoch), the two that follow it in one MGET.
      expect(Number(/cmdstat_mget:calls=(\d+)/.exec(stats)?.[1] ?? 0)).toBe(2);
      expect([...a.value!]).toEqual([1]);
      expect([...b.value!]).toEqual([2]);
      expect(c.value).toBeUndefined();
      // A write of `a` after the reads fences a's loader, not c's.
      await s.set('n', 'a', Uint8Array.of(9), { ttlMs: 10_000 });
      expect(await s.set('n', 'a', Uint8Array.of(5), { ttlMs: 10_000, fence: a.fence })).toBe(
        'fenced',
      );
      expect(await s.set('n', 'c', Uint8Array.of(3), { ttlMs: 10_000, fence: c.fence })).toBe(
        'written',
      );
      expect([...(await s.get('n', 'a'))!]).toEqual([9]);
    } finally {
      await s.close();
      client.disconnect();
      await server.stop();
    }
  });

  it('rejects every caller of a failed MGET with the store error', async () => {
    const server = await startPrivateRedis();
    const s = redisStore({ url: server.url, prefix: 'gb', commandTimeoutMs: 300 });
    const client = new Redis(server.url);
    try {
      await s.set('n', 'k', bytes, { ttlMs: 10_000 });
      await client.client('PAUSE', 1500);
      const errors = await Promise.all([rejection(s.get('n', 'k')), rejection(s.get('n', 'j'))]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(CacheStackError);
        expect((error as CacheStackError).code).toBe('CACHESTACK_TIMEOUT');
      }
    } finally {
      await s.close();
      client.disconnect();
      await server.stop();
    }
  });
});

describe('shard placement', () => {
  it('puts the shards of a namespace one per even range of the 16384 slots', () => {
    for (const ns of ['users', 'orders', 'a|b', 'x'.repeat(200)]) {
      for (const shards of [2, 3, 16, 48]) {
        const tags = placeShards(ns, shards);
        expect(new Set(tags).size).toBe(shards);
        const ranges = tags.map((tag) =>
          Math.floor((clusterSlot(`${ns}|${tag}`) * shards) / 16384),
        );
        expect(ranges).toEqual(Array.from({ length: shards }, (_, i) => i));
      }
    }
  });

  it('names every key of a sharded namespace by its placed shard head', () => {
    const keys = redisKeyspace('app', { shards: 16 });
    const heads = keys.heads('users');
    expect(new Set(heads).size).toBe(16);
    const entry = keys.entry('users', 'k1');
    expect(heads).toContain(keys.headOf('users', entry));
    expect(keys.headOf('users', `app:s{users|999999}:k:x`)).toBeUndefined();
    expect(keys.headOf('users', `app:s{users|x|1}:k:x`)).toBeUndefined();
  });
});
