import { createCache, createMemoryBusHub, MemoryStore } from '@cachestack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { chaosBus, coherenceProbe } from '../src/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Three replicas of a service: one L2, one bus hub, an L1 each. */
function replicas(wrapThird = false) {
  const hub = createMemoryBusHub();
  const store = new MemoryStore();
  const third = chaosBus(hub.createBus());
  const caches = [hub.createBus(), hub.createBus(), wrapThird ? third : hub.createBus()].map(
    (bus) => createCache({ l2: { store, closeStore: false }, bus }),
  );
  closers.push(async () => {
    for (const cache of caches) await cache.close();
  });
  return { caches, third };
}

describe('coherenceProbe', () => {
  it('finds no stale read past the bound over a healthy bus', async () => {
    const { caches } = replicas();
    // A generous bound: an overloaded machine may pause the process between two steps.
    const report = await coherenceProbe(caches, { writes: 30, boundMs: 1000 });
    expect(report.summary).toMatch(/none past it/);
    expect(report.ok).toBe(true);
    expect(report.writes).toBe(30);
    expect(report.reads).toBeGreaterThan(30);
    expect(report.violations).toEqual([]);
  });

  it('reports the instance that keeps a stale L1 value when its invalidations are dropped', async () => {
    const { caches, third } = replicas(true);
    third.drop();
    const report = await coherenceProbe(caches, { writes: 12, keys: 3, boundMs: 20 });
    expect(report.ok).toBe(false);
    expect(report.violationCount).toBeGreaterThan(0);
    expect(new Set(report.violations.map((v) => v.cache))).toEqual(new Set([2]));
    expect(report.maxLagMs).toBeGreaterThan(20);
    const first = report.violations[0]!;
    expect(first.got).toBeLessThan(first.latest);
    expect(report.summary).toContain(`cache 2 returned version ${first.got} of ${first.key}`);
  });

  it('rejects fewer than two caches and malformed options', async () => {
    const { caches } = replicas();
    await expect(coherenceProbe(caches.slice(0, 1))).rejects.toThrow(/at least two/);
    await expect(coherenceProbe(caches, { writes: 0 })).rejects.toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
  });
});
