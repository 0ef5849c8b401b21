import { closeSync, openSync } from 'node:fs';
import { CircuitOpenError } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStoreError, fileStore } from '../src/index.js';
import { decode, tempDir, text } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
let hogged: number[] = [];

function releaseDescriptors(): void {
  for (const fd of hogged) closeSync(fd);
  hogged = [];
}

afterEach(async () => {
  releaseDescriptors();
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A real fault: this process runs out of file descriptors (EMFILE). */
function exhaustDescriptors(): void {
  for (;;) {
    try {
      hogged.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EMFILE') return;
      throw error;
    }
  }
}

describe('circuit breaker on file-system errors', () => {
  it('opens after repeated EMFILE, refuses calls fast, and closes by itself once files can be opened again', async () => {
    const dir = await tempDir();
    let now = Date.now();
    const store = fileStore({
      dir: dir.path,
      sweepIntervalMs: 0,
      failureThreshold: 2,
      breakDurationMs: 1000,
      now: () => now,
    });
    cleanups.push(dir.remove, () => store.close());
    await store.set('ns', 'k', text('before'), { ttlMs: 600_000 });
    const states: string[] = [];
    store.on('circuit', (e) => states.push(`${e.side}:${e.state}`));
    const vocabulary: string[] = [];
    store.on('circuit:open', (e) => vocabulary.push(`${e.side}:open:${e.openUntil - now}`));
    store.on('circuit:half-open', (e) => vocabulary.push(`${e.side}:half-open`));
    store.on('circuit:close', (e) => vocabulary.push(`${e.side}:close`));
    const storeErrors: string[] = [];
    const aliasErrors: string[] = [];
    store.on('store:error', (e) => storeErrors.push(e.operation));
    store.on('error', (e) => aliasErrors.push(e.operation));

    exhaustDescriptors();
    const failures = [
      await store.set('ns', 'k', text('x'), { ttlMs: 600_000 }).catch((e) => e),
      await store.set('ns', 'k', text('x'), { ttlMs: 600_000 }).catch((e) => e),
      await store.set('ns', 'k', text('x'), { ttlMs: 600_000 }).catch((e) => e),
      await store.get('ns', 'k').catch((e) => e),
      await store.get('ns', 'k').catch((e) => e),
      await store.get('ns', 'k').catch((e) => e),
    ];
    releaseDescriptors();

    expect(failures[0]).toBeInstanceOf(FileStoreError);
    expect(failures[0]).toMatchObject({ code: 'CACHESTACK_STORE', errno: 'EMFILE' });
    expect(failures[2]).toBeInstanceOf(CircuitOpenError);
    expect(failures[3]).toMatchObject({ errno: 'EMFILE' });
    expect(failures[5]).toBeInstanceOf(CircuitOpenError);
    expect(store.circuit).toEqual({ read: 'open', write: 'open' });
    expect(store.stats().errors).toBe(4);

    // Still open until the break has elapsed, although the file system is fine again.
    await expect(store.get('ns', 'k')).rejects.toBeInstanceOf(CircuitOpenError);
    now += 1000;
    expect(decode(await store.get('ns', 'k'))).toBe('before');
    await expect(store.set('ns', 'k', text('after'), { ttlMs: 600_000 })).resolves.toBe('written');
    expect(store.circuit).toEqual({ read: 'closed', write: 'closed' });
    expect(states).toEqual([
      'write:open',
      'read:open',
      'read:half-open',
      'read:closed',
      'write:half-open',
      'write:closed',
    ]);
    // The shared vocabulary (docs/events.md) fires next to the deprecated `circuit` alias.
    expect(vocabulary).toEqual([
      'write:open:1000',
      'read:open:1000',
      'read:half-open',
      'read:close',
      'write:half-open',
      'write:close',
    ]);
    // Every failed call is a `store:error`, and still an `error` (deprecated alias).
    expect(storeErrors).toHaveLength(4);
    expect(aliasErrors).toEqual(storeErrors);
  });
});
