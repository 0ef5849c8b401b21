/**
 * Core's guarantees across instances over real Redis: two caches with their own
 * connections (as two processes would have), and one test with a real child process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Cache, createCache } from '@cachestack/core';
import { redisUrl, startPrivateRedis, uniquePrefix } from '@cachestack/test-suite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

const prefix = uniquePrefix('redis-core');
const open: (Cache | RedisStore)[] = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});
afterAll(async () => {
  await deletePrefix(redisUrl(), prefix);
});

function instance(namespace: string): { cache: Cache; store: RedisStore } {
  const store = redisStore({ url: redisUrl(), prefix });
  const cache = createCache({ namespace, l2: store });
  open.push(cache, store);
  return { cache, store };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once `check` holds: the loader must be running before the invalidation. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
}

describe('fenced writes across instances over Redis', () => {
  const invalidations: [string, (cache: Cache) => Promise<unknown>][] = [
    ['delete', (c) => c.delete('k')],
    ['deleteByTag', (c) => c.deleteByTag('t')],
    ['clear', (c) => c.clear()],
    ['set', (c) => c.set('k', 'explicit')],
  ];
  let n = 0;

  for (const [name, invalidate] of invalidations) {
    it(`a loader that started before ${name} in another instance writes nothing to L2`, async () => {
      const ns = `fence${++n}`;
      const a = instance(ns);
      const b = instance(ns);
      await a.cache.set('k', 'old', { tags: ['t'] });
      await a.cache.delete('k');
      const gate = deferred<string>();
      let started = false;
      const pending = a.cache.getOrSet(
        'k',
        () => {
          started = true;
          return gate.promise;
        },
        { tags: ['t'] },
      );
      await until(() => started);
      await invalidate(b.cache);
      gate.resolve('stale');
      expect(await pending).toBe('stale');
      const expected = name === 'set' ? 'explicit' : undefined;
      expect(await b.cache.get('k', { skipL1: true })).toBe(expected);
      expect(await a.cache.get('k', { skipL1: true })).toBe(expected);
      expect(await a.store.has(ns, 'k')).toBe(name === 'set');
    });
  }

  it('a loader that started before a delete in another process writes nothing to L2', async () => {
    const ns = 'child-process';
    const a = instance(ns);
    const gate = deferred<string>();
    let started = false;
    const pending = a.cache.getOrSet('k', () => {
      started = true;
      return gate.promise;
    });
    await until(() => started);
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { redisStore } = await import(${JSON.stringify(entry)});
      const store = redisStore({ url: ${JSON.stringify(redisUrl())}, prefix: ${JSON.stringify(prefix)} });
      await store.delete(${JSON.stringify(ns)}, 'k');
      await store.close();
    `;
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('exit', resolve);
    });
    expect(code).toBe(0);
    gate.resolve('stale');
    expect(await pending).toBe('stale');
    expect(await a.store.has(ns, 'k')).toBe(false);
    expect(await a.cache.get('k', { skipL1: true })).toBeUndefined();
  });

  it('a loader that ran undisturbed writes through to L2 for the other instance', async () => {
    const a = instance('undisturbed');
    const b = instance('undisturbed');
    expect(await a.cache.getOrSet('k', async () => 'loaded', { tags: ['t'] })).toBe('loaded');
    expect(await b.cache.get('k')).toBe('loaded');
    await b.cache.deleteByTag('t');
    expect(await a.cache.get('k', { skipL1: true })).toBeUndefined();
  });
});

describe('L2 failure over Redis never hangs a caller', () => {
  it('answers from the loader while Redis is paused and recovers after', async () => {
    const server = await startPrivateRedis();
    try {
      const store = redisStore({ url: server.url, prefix: 'core', commandTimeoutMs: 100 });
      const cache = createCache({ l2: { store, timeoutMs: 500 } });
      open.push(cache, store);
      await cache.set('warm', 'v', { skipL1: true });
      await server.pause(1500);
      const errors: string[] = [];
      cache.on('store:error', (e) => errors.push((e.error as { code?: string }).code ?? '?'));
      expect(await cache.getOrSet('k', () => 'loaded')).toBe('loaded');
      expect(errors).toContain('CACHESTACK_TIMEOUT');
    } finally {
      await server.stop();
    }
  });
});
