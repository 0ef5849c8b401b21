/**
 * Bounded staleness (guarantee 3) measured with @cachestack/testing's coherenceProbe over
 * three replicas sharing a real Redis L2 and a real redisBus channel.
 */
import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { type ChaosBus, chaosBus, coherenceProbe } from '@cachestack/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { redisBus } from '../src/redis-bus.js';

const url = redisUrl();
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

/** Three caches over one Redis prefix and bus channel; the third bus may go through chaos. */
async function replicas(lossyThird: boolean) {
  const prefix = uniquePrefix('coherence-probe');
  const caches = [];
  let lossy: ChaosBus | undefined;
  for (const id of ['a', 'b', 'c']) {
    const real = redisBus({
      url,
      channel: `${prefix}:bus`,
      instanceId: id,
      heartbeatIntervalMs: 0,
    });
    await real.ready();
    if (id === 'c' && lossyThird) lossy = chaosBus(real);
    const bus = id === 'c' && lossy ? lossy : real;
    const cache = createCache({ l2: redisStore({ url, prefix }), bus });
    open.push(cache);
    caches.push(cache);
  }
  return { caches, lossy };
}

describe('coherenceProbe over Redis and redisBus', () => {
  it('finds no read stale past the bound between three replicas', async () => {
    const { caches } = await replicas(false);
    // Generous bound: delivery over Redis pub/sub on a loaded machine.
    const report = await coherenceProbe(caches, { writes: 30, boundMs: 2000 });
    expect(report.violations, report.summary).toEqual([]);
    expect(report.reads).toBeGreaterThan(30);
  });

  it('catches the replica whose invalidations are lost', async () => {
    const { caches, lossy } = await replicas(true);
    lossy!.drop();
    const report = await coherenceProbe(caches, { writes: 9, keys: 3, boundMs: 50 });
    expect(report.ok).toBe(false);
    expect(new Set(report.violations.map((v) => v.cache))).toEqual(new Set([2]));
    expect(lossy!.counters.dropped).toBeGreaterThan(0);
  });
});
