import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { type PrivateCluster, startPrivateCluster } from '@cachestack/test-suite';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../src/cli.js';
import { countLegacyKeys, migrateLegacyKeys, scanNodes, withLegacyKeys } from '../src/index.js';

let cluster: PrivateCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  client = new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
  });
  // Legacy keys without hash tags: spread over every master.
  const ids = Array.from({ length: 300 }, (_, i) => i);
  await Promise.all(
    ids.map((i) => client.set(`legacy:u:${i}`, JSON.stringify({ i }), 'PX', 60_000)),
  );
  await Promise.all(ids.slice(0, 20).map((i) => client.set(`legacy:order:${i}`, '1')));
}, 90_000);

afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
});

describe('on Redis Cluster', () => {
  it('counts legacy keys on every master', async () => {
    expect(scanNodes(client)).toHaveLength(3);
    const count = await countLegacyKeys({
      client,
      legacy: { 'user:{id}': 'legacy:u:{id}', 'order:{id}': 'legacy:order:{id}' },
    });
    expect(count.total).toBe(320);
    expect(count.byGlob).toEqual({ 'legacy:u:*': 300, 'legacy:order:*': 20 });
    const perNode = Object.values(count.byNode);
    expect(perNode).toHaveLength(3);
    for (const n of perNode) expect(n).toBeGreaterThan(0);
  });

  it('migrates every master and reads back through the wrapper', async () => {
    const report = await migrateLegacyKeys({
      client,
      store: redisStore({ client, prefix: 'app' }),
      namespace: 'users',
      legacy: { 'user:{id}': 'legacy:u:{id}' },
      batchSize: 50,
      deleteLegacy: true,
    });
    expect(report).toMatchObject({ complete: true, migrated: 300, legacyDeleted: 300, failed: 0 });
    expect((await countLegacyKeys({ client, legacy: ['legacy:u:*'] })).total).toBe(0);
    const cache = createCache({
      namespace: 'users',
      l2: { store: redisStore({ client, prefix: 'app' }) },
    });
    const lk = withLegacyKeys(cache, {
      legacy: { 'order:{id}': 'legacy:order:{id}' },
      client,
      mode: 'dual-write',
    });
    expect(await cache.get('user:42')).toEqual({ i: 42 });
    expect(await lk.getMany(['order:1', 'order:2', 'order:999'])).toEqual([1, 1, undefined]);
    expect(lk.stats()).toMatchObject({ fallbacks: 2, backfills: 2, legacyMisses: 1 });
    await lk.deleteMany(['order:1', 'order:2']);
    expect(await client.exists('legacy:order:1')).toBe(0);
    await cache.close();
  });

  it('the CLI migrates into a store spread over 16 shards, on every master', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i);
    await Promise.all(ids.map((i) => client.set(`legacy:p:${i}`, JSON.stringify({ p: i }))));
    const dir = await mkdtemp(join(tmpdir(), 'cachestack-migrate-cluster-'));
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: (chunk: string) => (err += chunk) },
      env: {},
      cwd: dir,
    };
    const nodes = cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',');
    const code = await runCli(
      [
        ...['--cluster', nodes, '--prefix', 'sharded', '--shards', '16'],
        ...['--namespace', 'products', '--map', 'legacy:p:{id}=product:{id}'],
        ...['--batch-size', '100', '--quiet', '--json'],
      ],
      io,
    );
    await rm(dir, { recursive: true, force: true });
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out)).toMatchObject({ complete: true, migrated: 600, failed: 0 });
    const perMaster: number[] = [];
    for (const node of client.nodes('master')) {
      perMaster.push((await node.keys('sharded:s{products|*}:k:*')).length);
    }
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(600);
    for (const n of perMaster) expect(n).toBeGreaterThan(0);
    const store = redisStore({ client, prefix: 'sharded', shards: 16 });
    const cache = createCache({ namespace: 'products', l2: { store } });
    expect(await cache.get('product:599')).toEqual({ p: 599 });
    await cache.close();
  });
});
