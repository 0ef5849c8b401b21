import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEntry } from '../src/entry-file.js';
import { fileStore } from '../src/index.js';
// @ts-expect-error plain ESM fixture without types
import { isWholeValue } from './fixtures/values.mjs';
import { tempDir } from './helpers.js';
import { filesUnder, kill, readFile, startChild, waitForLine } from './processes.js';

const check = isWholeValue as (bytes: Uint8Array) => boolean;
const KEYS = 40;
const keys = [
  ...Array.from({ length: KEYS }, (_, i) => `k${i}`),
  ...Array.from({ length: KEYS }, (_, i) => `k${i}b`),
];
let cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup() {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  return dir;
}

/** Every published entry file decodes, and holds a whole value. */
async function expectNoTornFile(root: string): Promise<number> {
  const files = (await filesUnder(join(root, 'v1'))).filter((f) => f.includes('/data/'));
  for (const file of files) {
    const { value } = decodeEntry(await readFile(file));
    expect(check(value)).toBe(true);
  }
  return files.length;
}

describe('crash safety', () => {
  it.each(['none', 'full'] as const)(
    'a writer killed with SIGKILL mid-writes leaves only whole values or misses (durability %s)',
    async (durability) => {
      const dir = await setup();
      const child = startChild([dir.path, 'write-forever', String(KEYS), durability, '7']);
      cleanups.push(() => kill(child));
      await waitForLine(child, 'ready');
      await kill(child);

      expect(await expectNoTornFile(dir.path)).toBeGreaterThan(0);
      const store = fileStore({ dir: dir.path, sweepIntervalMs: 0, lockTimeoutMs: 2000 });
      cleanups.push(() => store.close());
      const values = await store.getMany('crash', keys);
      const present = values.filter((v) => v !== undefined);
      expect(present.length).toBeGreaterThan(0);
      for (const v of present) expect(check(v!)).toBe(true);
      expect(store.stats().corrupt).toBe(0);
      // The tag index survived the crash: deleting the tag leaves no file that carries it.
      await store.deleteByTag('crash', ['t']);
      const files = (await filesUnder(join(dir.path, 'v1'))).filter((f) => f.includes('/data/'));
      for (const file of files) expect(decodeEntry(await readFile(file)).head.tags).toEqual([]);
      // The namespace stays writable: a lock the child may have died holding is broken
      // because its pid is dead (lockStaleMs is a minute, lockTimeoutMs two seconds).
      await expect(store.delete('crash', 'k0')).resolves.toBeTypeOf('boolean');
      await expect(store.set('crash', 'k1', new Uint8Array(8), { ttlMs: 60_000 })).resolves.toBe(
        'written',
      );
      // The cleaner removes what the dead writer left behind: its lock owner file and its
      // temporary files (with a clock an hour ahead they count as old).
      const later = fileStore({
        dir: dir.path,
        sweepIntervalMs: 0,
        now: () => Date.now() + 3_600_000,
      });
      cleanups.push(() => later.close());
      const leftBy = async (pid: number | undefined) =>
        (await filesUnder(dir.path)).filter(
          (f) => f.includes(`.${pid}.`) || f.includes(`/tmp/${pid}-`),
        );
      expect((await leftBy(child.pid)).length).toBeGreaterThan(0);
      await later.sweep();
      expect(await leftBy(child.pid)).toEqual([]);
    },
  );

  it('several processes writing the same keys at once never publish a torn file', async () => {
    const dir = await setup();
    const children = [1, 2, 3].map((seed) =>
      startChild([dir.path, 'write-forever', '8', 'none', String(seed)]),
    );
    for (const c of children) cleanups.push(() => kill(c));
    await Promise.all(children.map((c) => waitForLine(c, 'ready')));
    // Read while they write: every hit is a whole value written by one of them.
    const store = fileStore({ dir: dir.path, sweepIntervalMs: 0 });
    cleanups.push(() => store.close());
    let hits = 0;
    for (let round = 0; round < 30; round++) {
      const values = await store.getMany('crash', keys.slice(0, 8));
      for (const v of values) {
        if (v === undefined) continue;
        hits++;
        expect(check(v)).toBe(true);
      }
    }
    for (const c of children) await kill(c);
    expect(hits).toBeGreaterThan(0);
    expect(store.stats().corrupt).toBe(0);
    await expectNoTornFile(dir.path);
  });
});
