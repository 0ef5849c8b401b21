import { readFile, truncate, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore } from '../src/index.js';
import { decode, tempDir, text } from './helpers.js';
import { filesUnder } from './processes.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function storeWithOneEntry() {
  const dir = await tempDir();
  const store = fileStore({ dir: dir.path, sweepIntervalMs: 0 });
  cleanups.push(dir.remove, () => store.close());
  await store.set('ns', 'k', text('a value long enough to damage'), { ttlMs: 60_000, tags: ['t'] });
  const [path] = (await filesUnder(dir.path)).filter((f) => f.includes('/data/'));
  return { dir: dir.path, store, path: path! };
}

describe('damaged entry files', () => {
  const damages: [string, (path: string) => Promise<void>][] = [
    ['truncated', (p) => truncate(p, 20)],
    ['cut before its checksum', async (p) => truncate(p, (await readFile(p)).length - 2)],
    ['empty', (p) => truncate(p, 0)],
    [
      'with a flipped value byte',
      async (p) => {
        const b = await readFile(p);
        b[b.length - 8] = b[b.length - 8]! ^ 0x40;
        await writeFile(p, b);
      },
    ],
    [
      'with a flipped expiry byte',
      async (p) => {
        const b = await readFile(p);
        b[12] = b[12]! ^ 0x01;
        await writeFile(p, b);
      },
    ],
    ['replaced by foreign bytes', (p) => writeFile(p, 'not a cachestack file at all')],
  ];

  it.each(damages)('reads a file %s as a miss, deletes it and counts it', async (_, damage) => {
    const { store, path, dir } = await storeWithOneEntry();
    const events: string[] = [];
    store.on('corrupt', (e) => events.push(e.reason));
    await damage(path);
    await expect(store.get('ns', 'k')).resolves.toBeUndefined();
    expect(store.stats().corrupt).toBe(1);
    expect(events).toHaveLength(1);
    expect((await filesUnder(dir)).filter((f) => f.includes('/data/'))).toEqual([]);
    // The key works again afterwards.
    await store.set('ns', 'k', text('again'), { ttlMs: 60_000 });
    expect(decode(await store.get('ns', 'k'))).toBe('again');
  });

  it('has and ttl also treat a damaged file as absent', async () => {
    const { store, path } = await storeWithOneEntry();
    await truncate(path, 40);
    await expect(store.ttl('ns', 'k')).resolves.toBeUndefined();
    await expect(store.has('ns', 'k')).resolves.toBe(false);
  });

  it('deleteByTag removes a damaged tagged file without counting it', async () => {
    const { store, path, dir } = await storeWithOneEntry();
    await truncate(path, 10);
    await expect(store.deleteByTag('ns', ['t'])).resolves.toBe(0);
    expect((await filesUnder(dir)).filter((f) => f.includes('/data/'))).toEqual([]);
  });
});
