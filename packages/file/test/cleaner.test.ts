import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileStoreOptions, fileStore } from '../src/index.js';
import { NamespaceLayout } from '../src/layout.js';
import { tempDir, text } from './helpers.js';
import { filesUnder } from './processes.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function clock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number): void {
      now += ms;
    },
  };
}

async function setup(options: Partial<FileStoreOptions> = {}) {
  const dir = await tempDir();
  const store = fileStore({ dir: dir.path, sweepIntervalMs: 0, durability: 'none', ...options });
  cleanups.push(dir.remove, () => store.close());
  return { dir: dir.path, store };
}

describe('ttl and the cleaner', () => {
  it('reads an entry as a miss once its ttl has passed, and deletes the file', async () => {
    const c = clock();
    const { dir, store } = await setup({ now: c.now });
    await store.set('ns', 'k', text('v'), { ttlMs: 1000 });
    c.advance(999);
    await expect(store.has('ns', 'k')).resolves.toBe(true);
    await expect(store.ttl('ns', 'k')).resolves.toBe(1);
    c.advance(1);
    await expect(store.get('ns', 'k')).resolves.toBeUndefined();
    expect((await filesUnder(dir)).filter((f) => f.includes('/data/'))).toEqual([]);
    expect(store.stats().expired).toBe(1);
  });

  it('removes expired files on a worker thread, never on the main thread', async () => {
    const c = clock();
    const { dir, store } = await setup({ now: c.now });
    await store.set('ns', 'short', text('v'), { ttlMs: 1000 });
    await store.set('ns', 'long', text('v'), { ttlMs: 60_000 });
    c.advance(5000);
    const expired: number[] = [];
    store.on('expire', (e) => expired.push(e.count));
    const report = await store.sweep();
    expect(report.threadId).not.toBe(threadId);
    expect(report.expired).toBe(1);
    expect(report.files).toBe(1);
    expect(expired).toEqual([1]);
    expect((await filesUnder(dir)).filter((f) => f.includes('/data/'))).toHaveLength(1);
    await expect(store.has('ns', 'long')).resolves.toBe(true);
  });

  it('evicts the least recently used files when the byte budget is exceeded', async () => {
    const c = clock();
    const { store } = await setup({
      now: c.now,
      maxBytes: 10_000,
      evictToRatio: 0.7,
      touchIntervalMs: 0,
    });
    const kb = new Uint8Array(1000);
    for (let i = 0; i < 9; i++) {
      await store.set('ns', `k${i}`, kb, { ttlMs: 600_000 });
      c.advance(1000);
    }
    // Entries are ~1045 bytes: 12 of them exceed 10 KB, eviction goes down to 7 KB (6 files).
    // Reading k0..k2 makes them more recently used than k3..k8.
    for (let i = 0; i < 3; i++) await store.get('ns', `k${i}`);
    c.advance(1000);
    for (let i = 9; i < 12; i++) await store.set('ns', `k${i}`, kb, { ttlMs: 600_000 });
    const report = await store.sweep();
    expect(report.bytes).toBeLessThanOrEqual(7000);
    const present = await store.getMany(
      'ns',
      Array.from({ length: 12 }, (_, i) => `k${i}`),
    );
    const kept = present.flatMap((v, i) => (v ? [i] : []));
    // The oldest unread entries went first; the recently read and written ones stayed.
    expect(kept).toEqual(expect.arrayContaining([0, 1, 2, 9, 10, 11]));
    expect(kept).not.toContain(3);
    // Writes past the budget also start a background pass; together they evicted at least
    // the four files needed to get from ten files under 7 KB.
    expect(store.stats().evicted).toBeGreaterThanOrEqual(4);
  });

  it('removes temporary files of crashed writers and directories moved away by clear', async () => {
    const c = clock();
    const { dir, store } = await setup({ now: c.now, tmpMaxAgeMs: 60_000 });
    await store.set('ns', 'k', text('v'), { ttlMs: 600_000 });
    await store.clear('ns');
    const layout = NamespaceLayout.of(dir, 'ns', [256, 256]);
    await mkdir(layout.tmp, { recursive: true });
    const leftover = join(layout.tmp, 'crashed.tmp');
    await writeFile(leftover, 'half a value');
    const old = (c.now() - 120_000) / 1000;
    await utimes(leftover, old, old);
    const recent = join(layout.tmp, 'in-progress.tmp');
    await writeFile(recent, 'being written');
    const report = await store.sweep();
    expect(report.leftoversRemoved).toBe(2);
    expect(await readdir(layout.tmp)).toEqual(['in-progress.tmp']);
    expect(await readdir(layout.trash)).toEqual([]);
  });

  it('prunes tag markers whose entry is gone, and keeps the others', async () => {
    const c = clock();
    const { dir, store } = await setup({ now: c.now });
    await store.set('ns', 'a', text('A'), { ttlMs: 1000, tags: ['t'] });
    await store.set('ns', 'b', text('B'), { ttlMs: 600_000, tags: ['t'] });
    c.advance(2000);
    await store.sweep();
    const markers = (await filesUnder(dir)).filter((f) => f.includes('/tags/'));
    expect(markers).toHaveLength(1);
    await expect(store.deleteByTag('ns', ['t'])).resolves.toBe(1);
  });

  it('sweeps in the background on its interval', async () => {
    const dir = await tempDir();
    const store = fileStore({ dir: dir.path, sweepIntervalMs: 20 });
    cleanups.push(dir.remove, () => store.close());
    await store.set('ns', 'k', text('v'), { ttlMs: 1 });
    const report = await new Promise((resolve) => store.on('sweep', resolve));
    expect(report).toMatchObject({ files: expect.any(Number) });
  });

  it('stops the worker on close; sweep after close is rejected', async () => {
    const { store } = await setup();
    await store.sweep();
    await store.close();
    await expect(store.sweep()).rejects.toMatchObject({ code: 'CACHESTACK_CLOSED' });
  });

  it('counts a file it cannot decode as corrupt and removes it', async () => {
    const { dir, store } = await setup();
    await store.set('ns', 'k', text('value'), { ttlMs: 600_000 });
    const [file] = (await filesUnder(dir)).filter((f) => f.includes('/data/'));
    const size = (await stat(file!)).size;
    await writeFile(file!, Buffer.alloc(size, 0));
    const report = await store.sweep();
    expect(report.corrupt).toBe(1);
    expect(store.stats().corrupt).toBe(1);
    expect((await filesUnder(dir)).filter((f) => f.includes('/data/'))).toEqual([]);
  });
});
