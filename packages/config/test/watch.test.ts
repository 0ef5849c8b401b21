import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClosedError } from '@cachestack/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CacheStackConfig,
  ConfigFileError,
  ConfigValidationError,
  type ConfigWatcher,
  type ConfigWatcherEventMap,
  watchConfig,
} from '../src/index.js';

const WAIT_MS = 5000;

let dir: string;
let path: string;
const watchers: ConfigWatcher[] = [];

/** Replaces the file atomically (one rename event), as deploy tools and most editors do. */
function write(content: unknown, target = path): void {
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, typeof content === 'string' ? content : JSON.stringify(content));
  renameSync(temp, target);
}

/** Rewrites the file in place (truncate, then write). */
function writeInPlace(content: unknown): void {
  writeFileSync(path, JSON.stringify(content));
}

/** Resolves with the first event matching `accept`, or rejects after a bounded wait. */
function waitFor<E extends keyof ConfigWatcherEventMap>(
  watcher: ConfigWatcher,
  event: E,
  accept: (payload: ConfigWatcherEventMap[E]) => boolean = () => true,
): Promise<ConfigWatcherEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching "${event}" event within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const off = watcher.on(event, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

function start(
  onChange: (config: CacheStackConfig) => void = () => {},
  debounceMs = 20,
): ConfigWatcher {
  const watcher = watchConfig(path, onChange, { env: {}, profile: 'none', debounceMs });
  watchers.push(watcher);
  return watcher;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachestack-config-watch-'));
  path = join(dir, 'cache.json');
  write({ l1: { maxEntries: 100 } });
});

afterEach(() => {
  for (const watcher of watchers.splice(0)) watcher.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('watchConfig', () => {
  it('starts with the configuration in the file', () => {
    expect(start().current().l1.maxEntries).toBe(100);
  });

  it('throws when the initial file is invalid', () => {
    write({ l1: { policy: 'mru' } });
    expect(() => start()).toThrow(ConfigValidationError);
  });

  it('applies a valid change as a whole and passes it to the callback', async () => {
    const received: CacheStackConfig[] = [];
    const watcher = start((config) => received.push(config));
    const initial = watcher.current();
    const changed = waitFor(watcher, 'change');
    writeInPlace({ l1: { maxEntries: 200, policy: 'lfu' }, namespaces: { users: { ttl: '1m' } } });
    const change = await changed;
    expect(change.config.l1).toMatchObject({ maxEntries: 200, policy: 'lfu' });
    expect(change.config.namespaces.users?.defaults.ttl).toBe(60_000);
    expect(change.previous).toBe(initial);
    expect(received).toEqual([change.config]);
    expect(received[0]).toBe(change.config);
    expect(watcher.current()).toBe(change.config);
    expect(Object.isFrozen(change.config.l1)).toBe(true);
  });

  it('rejects an invalid change with an event and keeps the last good configuration', async () => {
    const received: CacheStackConfig[] = [];
    const watcher = start((config) => received.push(config));
    const before = watcher.current();
    const rejected = waitFor(watcher, 'rejected');
    write({ l1: { maxEntries: 300, policy: 'mru' } });
    const rejection = await rejected;
    expect(rejection.file).toBe(path);
    expect(rejection.errors).toEqual([
      {
        path: '/l1/policy',
        message: 'must be one of "w-tinylfu", "lru", "fifo", "lfu"; got "mru"',
        value: 'mru',
      },
    ]);
    expect(watcher.current()).toBe(before);
    expect(received).toEqual([]);

    // and recovers with the next valid change
    const changed = waitFor(watcher, 'change');
    write({ l1: { maxEntries: 300 } });
    expect((await changed).config.l1.maxEntries).toBe(300);
  });

  it('rejects malformed JSON and keeps the last good configuration', async () => {
    const watcher = start();
    const before = watcher.current();
    const rejected = waitFor(watcher, 'rejected');
    write('{ "l1": { "maxEntries": 5 ');
    expect((await rejected).errors[0]?.message).toMatch(/is not valid JSON/);
    expect(watcher.current()).toBe(before);
  });

  it('ends on the last version after rapidly repeated changes, applying them in order', async () => {
    const applied: number[] = [];
    const watcher = start((config) => applied.push(config.l1.maxEntries));
    const last = waitFor(watcher, 'change', (c) => c.config.l1.maxEntries === 110);
    for (let i = 101; i <= 110; i++) {
      // every other intermediate version is invalid
      writeInPlace(
        i % 2 === 0 || i === 110
          ? { l1: { maxEntries: i } }
          : { l1: { maxEntries: i, policy: 'bad' } },
      );
    }
    await last;
    expect(watcher.current().l1.maxEntries).toBe(110);
    expect(applied.at(-1)).toBe(110);
    for (const value of applied) expect(value % 2 === 0 || value === 110).toBe(true);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
  });

  it('follows editors that save by renaming a temporary file', async () => {
    const watcher = start();
    const changed = waitFor(watcher, 'change');
    write({ l1: { maxEntries: 400 } });
    expect((await changed).config.l1.maxEntries).toBe(400);
  });

  it('emits an error and keeps the configuration when the file disappears', async () => {
    const watcher = start();
    const before = watcher.current();
    const failed = waitFor(watcher, 'error');
    unlinkSync(path);
    const { operation, error } = await failed;
    expect(error).toBeInstanceOf(ConfigFileError);
    expect(operation).toBe('read');
    expect(watcher.current()).toBe(before);
  });

  it('keeps environment overrides above the file on reload', async () => {
    const watcher = watchConfig(path, () => {}, {
      env: { CACHESTACK__L1__POLICY: 'fifo' },
      profile: 'none',
      debounceMs: 20,
    });
    watchers.push(watcher);
    const changed = waitFor(watcher, 'change');
    write({ l1: { maxEntries: 500, policy: 'lfu' } });
    expect((await changed).config.l1).toMatchObject({ maxEntries: 500, policy: 'fifo' });
  });

  it('applies the change even when the callback throws, and reports the throw', async () => {
    const watcher = start(() => {
      throw new Error('boom');
    });
    const failed = waitFor(watcher, 'error');
    const changed = waitFor(watcher, 'change');
    write({ l1: { maxEntries: 600 } });
    expect((await failed).error.message).toBe('boom');
    expect((await failed).operation).toBe('onChange');
    await changed;
    expect(watcher.current().l1.maxEntries).toBe(600);
  });
});

describe('ConfigWatcher.reload', () => {
  it('coalesces concurrent reloads into one application', async () => {
    let calls = 0;
    const watcher = start(() => calls++, 60_000);
    write({ l1: { maxEntries: 700 } });
    const results = await Promise.all([watcher.reload(), watcher.reload(), watcher.reload()]);
    expect(results).toEqual([true, true, true]);
    expect(calls).toBe(1);
    expect(watcher.current().l1.maxEntries).toBe(700);
  });

  it('does not report a change when the content resolves to the same configuration', async () => {
    let calls = 0;
    const watcher = start(() => calls++, 60_000);
    write({ l1: { maxEntries: 100, policy: 'w-tinylfu' } });
    expect(await watcher.reload()).toBe(false);
    expect(calls).toBe(0);
  });

  it('resolves false for an invalid file', async () => {
    const watcher = start(undefined, 60_000);
    const rejected = waitFor(watcher, 'rejected');
    write({ l1: { maxEntries: 'many' } });
    expect(await watcher.reload()).toBe(false);
    expect((await rejected).errors[0]?.path).toBe('/l1/maxEntries');
  });
});

describe('ConfigWatcher.close', () => {
  it('is idempotent and makes later operations fail with ClosedError', async () => {
    const watcher = start();
    watcher.close();
    watcher.close();
    expect(() => watcher.current()).toThrow(ClosedError);
    await expect(watcher.reload()).rejects.toBeInstanceOf(ClosedError);
  });

  it('is what Symbol.dispose calls', () => {
    const watcher = start();
    watcher[Symbol.dispose]();
    expect(() => watcher.current()).toThrow(ClosedError);
  });
});
