import { spawnSync } from 'node:child_process';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLockTimeoutError, fileStore } from '../src/index.js';
import { NamespaceLayout } from '../src/layout.js';
import { decode, tempDir, text } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function withLock(content: string, ageMs = 0) {
  const dir = await tempDir();
  const layout = NamespaceLayout.of(dir.path, 'ns', [256, 256]);
  await mkdir(layout.root, { recursive: true });
  await writeFile(layout.lock, content);
  if (ageMs > 0) {
    const t = (Date.now() - ageMs) / 1000;
    await utimes(layout.lock, t, t);
  }
  const store = fileStore({
    dir: dir.path,
    sweepIntervalMs: 0,
    lockTimeoutMs: 300,
    lockStaleMs: 60_000,
    failureThreshold: 100,
  });
  cleanups.push(dir.remove, () => store.close());
  const breaks: string[] = [];
  store.on('lock-break', (e) => breaks.push(e.holder));
  return { store, breaks };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('namespace lock', () => {
  it('breaks at once a lock left by a dead process on this host', async () => {
    const pid = deadPid();
    const { store, breaks } = await withLock(`${pid} ${hostname()} 0 abc\n`);
    await expect(store.set('ns', 'k', text('v'), { ttlMs: 60_000 })).resolves.toBe('written');
    expect(breaks).toEqual([`${pid} ${hostname()} 0 abc`]);
    expect(store.stats().lockBreaks).toBe(1);
  });

  it('breaks a lock whose holder stopped refreshing it for lockStaleMs', async () => {
    const { store, breaks } = await withLock(`${process.pid} other-host 0 abc\n`, 120_000);
    await expect(store.delete('ns', 'k')).resolves.toBe(false);
    expect(breaks).toHaveLength(1);
  });

  it('waits for a live holder and fails with a typed error after lockTimeoutMs', async () => {
    const { store, breaks } = await withLock(`${process.pid} ${hostname()} 0 abc\n`);
    const error = await store.set('ns', 'k', text('v'), { ttlMs: 60_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(FileLockTimeoutError);
    expect(error).toMatchObject({ code: 'CACHESTACK_STORE', errno: 'ELOCKTIMEOUT' });
    expect(breaks).toEqual([]);
    // Reads need no lock.
    await expect(store.get('ns', 'k')).resolves.toBeUndefined();
  });

  it('serialises many concurrent writers of one namespace in one process', async () => {
    const dir = await tempDir();
    const store = fileStore({ dir: dir.path, sweepIntervalMs: 0, durability: 'none' });
    cleanups.push(dir.remove, () => store.close());
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 5 === 4
          ? store.delete('ns', `k${i % 10}`)
          : store.set('ns', `k${i % 10}`, text(`v${i}`), { ttlMs: 60_000 }),
      ),
    );
    expect(outcomes.filter((o) => o === 'written')).toHaveLength(160);
    // The last operation on each key wins: k4 and k9 were last deleted, the others set.
    const values = await store.getMany(
      'ns',
      Array.from({ length: 10 }, (_, i) => `k${i}`),
    );
    expect(values.map(decode)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 5 === 4 ? undefined : `v${190 + i}`)),
    );
  });
});
