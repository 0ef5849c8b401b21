import { afterEach, describe, expect, it } from 'vitest';
import { type FileStore, fileStore } from '../src/index.js';
import { decode, tempDir, text } from './helpers.js';
import { runChild } from './processes.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Two stores on one directory share nothing in memory, like two processes. */
async function pair(options: { marksMaxBytes?: number } = {}) {
  const dir = await tempDir();
  const a = fileStore({ dir: dir.path, sweepIntervalMs: 0, ...options });
  const b = fileStore({ dir: dir.path, sweepIntervalMs: 0, ...options });
  cleanups.push(
    dir.remove,
    () => a.close(),
    () => b.close(),
  );
  return { dir: dir.path, a, b };
}

const ttl = { ttlMs: 60_000 };

describe('fences across store instances and processes', () => {
  it('a delete by another instance fences a conditional write', async () => {
    const { a, b } = await pair();
    await a.set('ns', 'k', text('old'), ttl);
    const { fence } = await a.getWithFence('ns', 'k');
    await expect(b.delete('ns', 'k')).resolves.toBe(true);
    await expect(a.set('ns', 'k', text('stale'), { ...ttl, fence })).resolves.toBe('fenced');
    await expect(b.get('ns', 'k')).resolves.toBeUndefined();
  });

  it('an unconditional write by another instance fences a conditional write and survives', async () => {
    const { a, b } = await pair();
    const { fence } = await a.getWithFence('ns', 'k');
    await b.set('ns', 'k', text('fresh'), ttl);
    await expect(a.set('ns', 'k', text('stale'), { ...ttl, fence })).resolves.toBe('fenced');
    expect(decode(await a.get('ns', 'k'))).toBe('fresh');
  });

  it('a tag invalidation and a clear by another instance fence conditional writes', async () => {
    const { a, b } = await pair();
    const first = await a.getWithFence('ns', 'k');
    await b.deleteByTag('ns', ['t']);
    await expect(
      a.set('ns', 'k', text('stale'), { ...ttl, tags: ['t'], fence: first.fence }),
    ).resolves.toBe('fenced');
    await expect(a.set('ns', 'k', text('untagged'), { ...ttl, fence: first.fence })).resolves.toBe(
      'written',
    );
    const second = await a.getManyWithFence('ns', ['x', 'y']);
    await b.clear('ns');
    await expect(
      a.setMany(
        'ns',
        [
          { key: 'x', value: text('x'), ...ttl },
          { key: 'y', value: text('y'), ...ttl },
        ],
        second.fence,
      ),
    ).resolves.toEqual(['fenced', 'fenced']);
  });

  it('invalidations by another process fence conditional writes', async () => {
    const { dir, a } = await pair();
    const k = await a.getWithFence('proc', 'k');
    const t = await a.getWithFence('proc', 'j');
    await runChild([dir, 'delete', 'proc', 'k']);
    await runChild([dir, 'delete-tag', 'proc', 'tag']);
    await expect(a.set('proc', 'k', text('stale'), { ...ttl, fence: k.fence })).resolves.toBe(
      'fenced',
    );
    await expect(
      a.set('proc', 'j', text('stale'), { ...ttl, tags: ['tag'], fence: t.fence }),
    ).resolves.toBe('fenced');
    const c = await a.getWithFence('proc', 'c');
    await runChild([dir, 'clear', 'proc']);
    await expect(a.set('proc', 'c', text('stale'), { ...ttl, fence: c.fence })).resolves.toBe(
      'fenced',
    );
    const fresh = await a.getWithFence('proc', 'c');
    await expect(a.set('proc', 'c', text('new'), { ...ttl, fence: fresh.fence })).resolves.toBe(
      'written',
    );
  });

  it('compacting the invalidation log fences older tokens and keeps newer ones usable', async () => {
    const { a, b } = await pair({ marksMaxBytes: 1024 });
    const old = await a.getWithFence('ns', 'k');
    // 40 deletes of other keys: 40 records of 34 bytes exceed 1 KB, so the next hold compacts.
    for (let i = 0; i < 40; i++) await b.delete('ns', `other${i}`);
    await b.delete('ns', 'trigger');
    await expect(a.set('ns', 'k', text('stale'), { ...ttl, fence: old.fence })).resolves.toBe(
      'fenced',
    );
    const fresh = await a.getWithFence('ns', 'k');
    await b.delete('ns', 'unrelated');
    await expect(a.set('ns', 'k', text('v'), { ...ttl, fence: fresh.fence })).resolves.toBe(
      'written',
    );
  });

  it('concurrent conditional and unconditional writers of one key end with a whole value', async () => {
    const { a, b } = await pair();
    const writers = (store: FileStore, who: string) =>
      Array.from({ length: 20 }, async (_, i) => {
        if (i % 2 === 0) return store.set('ns', 'k', text(`${who}-${i}`), ttl);
        const { fence } = await store.getWithFence('ns', 'k');
        return store.set('ns', 'k', text(`${who}-${i}`), { ...ttl, fence });
      });
    const outcomes = await Promise.all([...writers(a, 'a'), ...writers(b, 'b')]);
    expect(outcomes.filter((o) => o === 'written').length).toBeGreaterThanOrEqual(20);
    expect(decode(await a.get('ns', 'k'))).toMatch(/^[ab]-\d+$/);
  });

  it('rejects a fence token that this store did not issue', async () => {
    const { a } = await pair();
    await expect(a.set('ns', 'k', text('v'), { ...ttl, fence: 'nope' })).rejects.toMatchObject({
      code: 'CACHESTACK_INVALID_OPTION',
    });
  });
});
