import { clusterSlot } from '@cachestack/core/kit';
import { type PrivateCluster, startPrivateCluster } from '@cachestack/test-suite';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, RedisStore } from '../src/index.js';

let cluster: PrivateCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  client = new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  await new Promise((resolve) => client.once('ready', resolve));
}, 90_000);

afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
});

const masterOf = (key: string): string => client.slots[clusterSlot(key)]![0]!;

const tenants = Array.from({ length: 12 }, (_, i) => `t${i}`);

describe('rate limiting on a 3-master Cluster', () => {
  it('checks per-user plus per-tenant compounds atomically with the hashTag option, tenants on every master', async () => {
    const store = new RedisStore({
      redis: client,
      prefix: 'rlh',
      hashTag: (k) => k.split(':')[0]!,
    });
    const limiter = createRateLimiter({
      rules: [
        { name: 'user', limit: 2, windowMs: 60_000 },
        {
          name: 'tenant',
          algorithm: 'token-bucket',
          limit: 3,
          windowMs: 60_000,
          key: (k) => k.split(':')[0]!,
        },
      ],
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });
    const errors: Error[] = [];
    limiter.events.on('store:error', ({ error }) => errors.push(error));
    for (const tenant of tenants) {
      const answers = [];
      for (const user of ['u1', 'u1', 'u2', 'u2'])
        answers.push(await limiter.check(`${tenant}:${user}`));
      expect(answers.map((d) => [d.source, d.allowed])).toEqual([
        ['store', true],
        ['store', true],
        ['store', true],
        ['store', false],
      ]);
      // The tenant rule's rejection of u2 consumed nothing from u2's own rule.
      expect((await limiter.peek(`${tenant}:u2`, { cost: 0 })).rules[0]!.remaining).toBe(1);
    }
    expect(errors).toEqual([]);
    const masters = new Set(tenants.map((t) => masterOf(store.redisKey(`${t}:u1`, 'user:fw'))));
    expect(masters.size).toBe(3);
    // Batched checks of many tenants in one tick are split by tag: no CROSSSLOT.
    const many = await limiter.checkMany(tenants.map((t) => ({ key: `${t}:u3` })));
    expect(many.every((d) => d.source === 'store' && !d.allowed)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('checks a compound whose keys carry the same {tag}', async () => {
    const limiter = createRateLimiter({
      rules: [
        { name: 'user', limit: 1, windowMs: 60_000 },
        { name: 'tenant', limit: 10, windowMs: 60_000, key: (k) => `${k.split(':user:')[0]}:all` },
      ],
      store: new RedisStore({ redis: client, prefix: 'rlb' }),
      failurePolicy: 'closed',
      timeoutMs: 5000,
      blockCacheMaxKeys: 0,
    });
    const first = await Promise.all(tenants.map((t) => limiter.check(`tenant:{${t}}:user:1`)));
    expect(first.every((d) => d.source === 'store' && d.allowed)).toBe(true);
    const again = await limiter.check('tenant:{t0}:user:1');
    expect([again.source, again.allowed]).toEqual(['store', false]);
  });

  it('reports a hashTag that returns no tag as a store error before sending anything', async () => {
    const store = new RedisStore({ redis: client, prefix: 'rlbad', hashTag: () => '' });
    const limiter = createRateLimiter({
      limit: 1,
      windowMs: 60_000,
      store,
      failurePolicy: 'closed',
      timeoutMs: 5000,
    });
    const errors: Error[] = [];
    limiter.events.on('store:error', ({ error }) => errors.push(error));
    const decision = await limiter.check('x');
    expect([decision.source, decision.allowed]).toEqual(['fallback-closed', false]);
    expect(errors[0]).toMatchObject({ code: 'CACHESTACK_INVALID_OPTION', option: 'hashTag' });
    expect(store.batchStats.batches).toBe(0);
  });
});
