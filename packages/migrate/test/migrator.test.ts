import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Codec, createCache } from '@cachestack/core';
import { type RedisStore, redisKeyspace, redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countLegacyKeys,
  fileStateStore,
  type MigrationProgress,
  type MigrationReport,
  migrateLegacyKeys,
  PERSISTENT_TTL_MS,
} from '../src/index.js';
import { deleteKeys, newPttl, readNew, writeLegacy } from './helpers.js';

const prefix = uniquePrefix('migrate-batch');
let client: Redis;
let store: RedisStore;
let dir: string;
let run = 0;

/** A fresh legacy keyspace and namespace per test. */
function scope() {
  run++;
  const legacyHead = `${prefix}:legacy${run}`;
  return {
    namespace: `ns${run}`,
    legacyKey: (id: string | number) => `${legacyHead}:u:${id}`,
    map: { 'user:{id}': `${legacyHead}:u:{id}` },
  };
}

/** Every scanned key is in exactly one bucket. */
function expectCountsAddUp(r: MigrationReport): void {
  expect(
    r.migrated +
      r.wouldMigrate +
      r.skippedExisting +
      r.skippedChanged +
      r.expired +
      r.failed +
      r.unmapped,
  ).toBe(r.scanned);
}

beforeAll(async () => {
  client = new Redis(redisUrl());
  store = redisStore({ client, prefix });
  dir = await mkdtemp(join(tmpdir(), 'cachestack-migrate-'));
});

afterAll(async () => {
  await store.close();
  await deleteKeys(client, prefix);
  await client.quit();
  await rm(dir, { recursive: true, force: true });
});

describe('migrateLegacyKeys', () => {
  it('copies values with their remaining TTL, readable by a cache', async () => {
    const s = scope();
    await client.set(s.legacyKey(1), '{"name":"Ada"}', 'PX', 60_000);
    await client.set(s.legacyKey(2), 'raw text', 'PX', 120_000);
    await client.set(s.legacyKey(3), '[1,2,3]');
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
    });
    expect(report).toMatchObject({ complete: true, scanned: 3, migrated: 3, failed: 0 });
    expectCountsAddUp(report);
    const t1 = await newPttl(client, prefix, s.namespace, 'user:1');
    expect(t1).toBeGreaterThan(55_000);
    expect(t1).toBeLessThanOrEqual(60_000);
    const t2 = await newPttl(client, prefix, s.namespace, 'user:2');
    expect(t2).toBeGreaterThan(115_000);
    expect(t2).toBeLessThanOrEqual(120_000);
    // No expiry on the legacy side: kept (the store needs a TTL, so ~100 years).
    const t3 = await newPttl(client, prefix, s.namespace, 'user:3');
    expect(t3).toBeGreaterThan(PERSISTENT_TTL_MS - 60_000);
    const cache = createCache({
      namespace: s.namespace,
      l2: { store: redisStore({ client, prefix }) },
    });
    expect(await cache.getMany(['user:1', 'user:2', 'user:3'])).toEqual([
      { name: 'Ada' },
      'raw text',
      [1, 2, 3],
    ]);
    await cache.close();
    // Legacy keys stay unless deletion is asked for.
    expect(await client.exists(s.legacyKey(1), s.legacyKey(2), s.legacyKey(3))).toBe(3);
  });

  it('gives keys without expiry persistentTtlMs when set', async () => {
    const s = scope();
    await client.set(s.legacyKey('p'), '1');
    await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      persistentTtlMs: 3_600_000,
    });
    const pttl = await newPttl(client, prefix, s.namespace, 'user:p');
    expect(pttl).toBeGreaterThan(3_590_000);
    expect(pttl).toBeLessThanOrEqual(3_600_000);
  });

  it('writes frames with the codec of the caches that read them', async () => {
    const s = scope();
    // An application codec (id 200) that reverses the bytes: unreadable without it.
    const reverse: Codec = {
      name: 'reverse',
      ids: [200],
      encode: (data) => ({ id: 200, data: Uint8Array.from(data).reverse() }),
      decode: (_id, data) => Uint8Array.from(data).reverse(),
    };
    await client.set(s.legacyKey('c'), '{"deep":{"x":[1,2]}}', 'PX', 60_000);
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      codec: reverse,
      deleteLegacy: true,
    });
    expect(report).toMatchObject({ migrated: 1, legacyDeleted: 1 });
    const raw = await client.getBuffer(redisKeyspace(prefix).entry(s.namespace, 'user:c'));
    expect(raw?.[3]).toBe(200);
    const cache = createCache({
      namespace: s.namespace,
      codec: reverse,
      l2: { store: redisStore({ client, prefix }) },
    });
    expect(await cache.get('user:c')).toEqual({ deep: { x: [1, 2] } });
    await cache.close();
  });

  it('reports and skips a value that fails the transform, keeping its legacy key', async () => {
    const s = scope();
    await writeLegacy(
      client,
      [1, 2, 3, 4].map((i) => ({
        key: s.legacyKey(i),
        raw: JSON.stringify({ n: i }),
        ttlMs: 60_000,
      })),
    );
    await client.hset(s.legacyKey('hash'), 'f', 'v');
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      deleteLegacy: true,
      transform: (value) => {
        const n = (value as { n: number }).n;
        if (n === 3) throw new Error('n=3 is not allowed');
        return { n, doubled: n * 2 };
      },
    });
    expect(report).toMatchObject({ scanned: 5, migrated: 3, failed: 2, legacyDeleted: 3 });
    expectCountsAddUp(report);
    const failures = Object.fromEntries(report.failures.map((f) => [f.legacyKey, f]));
    expect(failures[s.legacyKey(3)]).toMatchObject({ code: 'CACHESTACK_MIGRATE_TRANSFORM' });
    expect(failures[s.legacyKey(3)]?.message).toContain('n=3 is not allowed');
    expect(failures[s.legacyKey('hash')]).toMatchObject({
      code: 'CACHESTACK_MIGRATE_LEGACY_STORE',
    });
    // Nothing lost: the failed keys are still there, and have no new key.
    expect(await client.get(s.legacyKey(3))).toBe('{"n":3}');
    expect(await client.hget(s.legacyKey('hash'), 'f')).toBe('v');
    expect(await readNew(client, prefix, s.namespace, 'user:3')).toBeUndefined();
    expect((await readNew(client, prefix, s.namespace, 'user:4'))?.value).toEqual({
      n: 4,
      doubled: 8,
    });
    expect(await client.exists(s.legacyKey(1), s.legacyKey(2), s.legacyKey(4))).toBe(0);
  });

  it('is idempotent: a second run changes nothing and never overwrites a newer value', async () => {
    const s = scope();
    await writeLegacy(
      client,
      Array.from({ length: 50 }, (_, i) => ({
        key: s.legacyKey(i),
        raw: String(i),
        ttlMs: 60_000,
      })),
    );
    // A cache already wrote a newer value for user:7.
    const cache = createCache({
      namespace: s.namespace,
      l2: { store: redisStore({ client, prefix }) },
    });
    await cache.set('user:7', 'newer', { ttl: 30_000 });
    await cache.close();
    const first = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      batchSize: 10,
    });
    expect(first).toMatchObject({ migrated: 49, skippedExisting: 1 });
    expect((await readNew(client, prefix, s.namespace, 'user:7'))?.value).toBe('newer');
    const ks = redisKeyspace(prefix);
    const snapshot = async () =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) => client.getBuffer(ks.entry(s.namespace, `user:${i}`))),
      );
    const before = await snapshot();
    const ttlBefore = await newPttl(client, prefix, s.namespace, 'user:0');
    const second = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      batchSize: 10,
    });
    expect(second).toMatchObject({ migrated: 0, skippedExisting: 50, failed: 0 });
    expectCountsAddUp(second);
    expect(await snapshot()).toEqual(before);
    expect(await newPttl(client, prefix, s.namespace, 'user:0')).toBeLessThanOrEqual(ttlBefore);
  });

  it('writes nothing in a dry run', async () => {
    const s = scope();
    await writeLegacy(
      client,
      [1, 2].map((i) => ({ key: s.legacyKey(i), raw: '1', ttlMs: 60_000 })),
    );
    const statePath = join(dir, `dry-${run}.json`);
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      dryRun: true,
      deleteLegacy: true,
      state: fileStateStore(statePath),
    });
    expect(report).toMatchObject({ dryRun: true, wouldMigrate: 2, migrated: 0, legacyDeleted: 0 });
    expect(await readNew(client, prefix, s.namespace, 'user:1')).toBeUndefined();
    expect(await client.exists(s.legacyKey(1), s.legacyKey(2))).toBe(2);
    await expect(readFile(statePath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('deletes a legacy key only when its new key reads back equal', async () => {
    const s = scope();
    await writeLegacy(
      client,
      [1, 2].map((i) => ({ key: s.legacyKey(i), raw: `"v${i}"`, ttlMs: 60_000 })),
    );
    const cache = createCache({
      namespace: s.namespace,
      l2: { store: redisStore({ client, prefix }) },
    });
    await cache.set('user:2', 'different');
    await cache.close();
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      deleteLegacy: true,
    });
    expect(report).toMatchObject({
      migrated: 1,
      skippedExisting: 1,
      legacyDeleted: 1,
      verifyMismatches: 1,
    });
    expect(await client.exists(s.legacyKey(1))).toBe(0);
    expect(await client.get(s.legacyKey(2))).toBe('"v2"');
    // Rerun once the new key agrees: now it goes.
    await client.set(s.legacyKey(2), '"different"', 'PX', 60_000);
    const again = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      deleteLegacy: true,
    });
    expect(again).toMatchObject({ legacyDeleted: 1, verifyMismatches: 0 });
    expect(await countLegacyKeys({ client, legacy: s.map })).toMatchObject({ total: 0 });
  });

  it('stops after maxBatches and resumes from the saved cursor; each key is written once', async () => {
    const s = scope();
    const n = 2000;
    await writeLegacy(
      client,
      Array.from({ length: n }, (_, i) => ({ key: s.legacyKey(i), raw: String(i), ttlMs: 60_000 })),
    );
    const statePath = join(dir, `resume-${run}.json`);
    const options = {
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      batchSize: 100,
      state: fileStateStore(statePath),
    };
    const first = await migrateLegacyKeys({ ...options, maxBatches: 3 });
    expect(first).toMatchObject({
      complete: false,
      stoppedBy: 'maxBatches',
      resumed: false,
      batches: 3,
    });
    expect(first.migrated).toBeGreaterThan(0);
    expect(first.migrated).toBeLessThan(n);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(saved.passes[0].cursor).not.toBe('0');
    expect(saved.counts.migrated).toBe(first.migrated);
    const second = await migrateLegacyKeys(options);
    expect(second).toMatchObject({ complete: true, resumed: true });
    // Totals carry over; SCAN may repeat a key, which then counts as already present.
    expect(second.migrated).toBe(n);
    expect(second.scanned).toBe(n + second.skippedExisting);
    expectCountsAddUp(second);
    // A completed state makes a third run a no-op.
    const third = await migrateLegacyKeys(options);
    expect(third).toMatchObject({ complete: true, migrated: n, batches: second.batches });
    const values = await Promise.all(
      [0, 999, 1999].map(
        async (i) => (await readNew(client, prefix, s.namespace, `user:${i}`))?.value,
      ),
    );
    expect(values).toEqual([0, 999, 1999]);
  });

  it('refuses a state file of another migration', async () => {
    const s = scope();
    const statePath = join(dir, `other-${run}.json`);
    await client.set(s.legacyKey(1), '1', 'PX', 60_000);
    await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      state: fileStateStore(statePath),
    });
    await expect(
      migrateLegacyKeys({
        client,
        store,
        namespace: 'other',
        legacy: s.map,
        state: fileStateStore(statePath),
      }),
    ).rejects.toMatchObject({ code: 'CACHESTACK_MIGRATE_STATE' });
  });

  it('migrates 100k legacy keys with progress', async () => {
    const s = scope();
    const n = 100_000;
    await writeLegacy(
      client,
      (function* () {
        for (let i = 0; i < n; i++) {
          yield { key: s.legacyKey(i), raw: `{"id":${i},"name":"user ${i}"}`, ttlMs: 300_000 };
        }
      })(),
    );
    expect((await countLegacyKeys({ client, legacy: s.map })).total).toBe(n);
    const progress: MigrationProgress[] = [];
    const report = await migrateLegacyKeys({
      client,
      store,
      namespace: s.namespace,
      legacy: s.map,
      batchSize: 1000,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({ complete: true, migrated: n, failed: 0, total: n });
    expectCountsAddUp(report);
    expect(progress.length).toBeGreaterThan(10);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.counts.scanned).toBeGreaterThanOrEqual(progress[i - 1]!.counts.scanned);
    }
    const mid = progress[Math.floor(progress.length / 2)]!;
    expect(mid.total).toBe(n);
    expect(mid.etaMs).toBeGreaterThan(0);
    expect(mid.rate).toBeGreaterThan(0);
    expect(progress.at(-1)!.counts.migrated).toBe(n);
    const sample = await readNew(client, prefix, s.namespace, 'user:54321');
    expect(sample?.value).toEqual({ id: 54321, name: 'user 54321' });
    const pttl = await newPttl(client, prefix, s.namespace, 'user:54321');
    expect(pttl).toBeGreaterThan(240_000);
    expect(pttl).toBeLessThanOrEqual(300_000);
  });
});
