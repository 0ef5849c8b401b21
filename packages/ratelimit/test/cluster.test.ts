import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, RedisStore } from '../src/index.js';

// A one-node Redis Cluster: it owns every slot and enforces CROSSSLOT like a real one.
let server: PrivateRedis;
let dir: string;
let cluster: Cluster;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachestack-rl-cluster-'));
  server = await startPrivateRedis({
    args: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1'],
    dir,
  });
  const admin = new Redis(server.url);
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  // Setup, not a test retry: the node needs a moment to declare the cluster ok.
  for (let i = 0; i < 200; i++) {
    if (String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await admin.quit();
  cluster = new Cluster([{ host: '127.0.0.1', port: server.port }]);
  await new Promise<void>((resolve) => cluster.once('ready', () => resolve()));
}, 30_000);

afterAll(async () => {
  await cluster?.quit();
  await server?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('the Redis store on Redis Cluster', () => {
  it('splits a tick of checks on many keys by hash tag so no script crosses slots', async () => {
    const store = new RedisStore({ redis: cluster, prefix: 'rl' });
    const limiter = createRateLimiter({
      limit: 1,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });
    const keys = Array.from({ length: 20 }, (_, i) => `user:${i}`);
    const first = await limiter.checkMany(keys.map((key) => ({ key })));
    expect(first.every((d) => d.source === 'store' && d.allowed)).toBe(true);
    const second = await limiter.checkMany(keys.map((key) => ({ key })));
    expect(second.every((d) => d.source === 'store' && !d.allowed)).toBe(true);
    expect(store.batchStats.batches).toBe(40);
  });

  it('checks a per-user plus per-tenant compound atomically when the keys share a tag', async () => {
    const limiter = createRateLimiter({
      rules: [
        { name: 'user', limit: 2, windowMs: 60_000 },
        {
          name: 'tenant',
          algorithm: 'token-bucket',
          limit: 3,
          windowMs: 60_000,
          key: (k) => `${k.slice(0, k.indexOf('}') + 1)}:all`,
        },
      ],
      store: new RedisStore({ redis: cluster, prefix: 'rlc' }),
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });
    const answers = [];
    for (const key of [
      'tenant:{acme}:u1',
      'tenant:{acme}:u1',
      'tenant:{acme}:u2',
      'tenant:{acme}:u2',
    ]) {
      answers.push(await limiter.check(key));
    }
    expect(answers.map((d) => [d.source, d.allowed])).toEqual([
      ['store', true],
      ['store', true],
      ['store', true],
      ['store', false],
    ]);
    // u2's rejection by the tenant rule consumed nothing from u2's own rule.
    expect((await limiter.peek('tenant:{acme}:u2', { cost: 0 })).rules[0]!.remaining).toBe(1);
  });

  it('reports a compound whose keys do not share a tag as a store error and falls back', async () => {
    const limiter = createRateLimiter({
      rules: [
        { name: 'user', limit: 2, windowMs: 60_000 },
        { name: 'global', limit: 100, windowMs: 60_000, key: () => 'global' },
      ],
      store: new RedisStore({ redis: cluster, prefix: 'rlx' }),
      failurePolicy: 'open',
      timeoutMs: 5000,
    });
    const errors: Error[] = [];
    limiter.events.on('store:error', ({ error }) => errors.push(error));
    const d = await limiter.check('user:1');
    expect(d.source).toBe('fallback-open');
    expect(String((errors[0]?.cause as Error | undefined)?.message)).toMatch(/CROSSSLOT/);
  });
});
