import { createCache } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('options', () => {
  it.each([
    [{}, 'options'],
    [{ dir: '' }, 'dir'],
    [{ dir: '/tmp/x', fanOut: [100] }, 'fanOut'],
    [{ dir: '/tmp/x', fanOut: [16, 16, 16, 16, 16] }, 'fanOut'],
    [{ dir: '/tmp/x', maxBytes: -1 }, 'maxBytes'],
    [{ dir: '/tmp/x', maxBytes: 'lots' }, 'maxBytes'],
    [{ dir: '/tmp/x', durability: 'sometimes' }, 'durability'],
    [{ dir: '/tmp/x', evictToRatio: 0 }, 'evictToRatio'],
    [{ dir: '/tmp/x', lockTimeoutMs: 0 }, 'lockTimeoutMs'],
    [{ dir: '/tmp/x', sweepIntervalMs: -5 }, 'sweepIntervalMs'],
    [{ dir: '/tmp/x', failureThreshold: 1.5 }, 'failureThreshold'],
    [{ dir: '/tmp/x', now: 5 }, 'now'],
  ])('rejects %j with CACHESTACK_INVALID_OPTION naming %s', (options, option) => {
    const make = () =>
      fileStore((Object.keys(options).length ? options : null) as Parameters<typeof fileStore>[0]);
    expect(make).toThrow(expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION', option }));
  });

  it('serves as the L2 of a core cache, fencing a loader that raced a delete', async () => {
    const dir = await tempDir();
    const store = fileStore({ dir: dir.path, sweepIntervalMs: 0 });
    const cache = createCache({ namespace: 'app', l2: store });
    cleanups.push(dir.remove, () => cache.close());
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loaderStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const loading = cache.getOrSet('user:1', async () => {
      started();
      await gate;
      return { name: 'old' };
    });
    // The loader has read its fence from the file store; now the key is invalidated.
    await loaderStarted;
    await cache.delete('user:1');
    release();
    await expect(loading).resolves.toEqual({ name: 'old' });
    await expect(cache.get('user:1')).resolves.toBeUndefined();
    await cache.set('user:1', { name: 'new' });
    const other = createCache({
      namespace: 'app',
      l2: fileStore({ dir: dir.path, sweepIntervalMs: 0 }),
    });
    cleanups.push(() => other.close());
    await expect(other.get('user:1')).resolves.toEqual({ name: 'new' });
  });
});

describe('diagnostics channel', () => {
  it('publishes one message per store call on cachestack:file:op while subscribed', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const dir = await tempDir();
    const store = fileStore({ dir: dir.path, sweepIntervalMs: 0 });
    cleanups.push(dir.remove, () => store.close());
    const seen: { operation: string; ok: boolean }[] = [];
    const listener = (message: unknown) => seen.push(message as { operation: string; ok: boolean });
    subscribe('cachestack:file:op', listener);
    try {
      await store.set('ns', 'k', new Uint8Array(1), { ttlMs: 1000 });
      await store.get('ns', 'k');
    } finally {
      unsubscribe('cachestack:file:op', listener);
    }
    await store.get('ns', 'k');
    expect(seen.map((m) => [m.operation, m.ok])).toEqual([
      ['set', true],
      ['get', true],
    ]);
  });
});
