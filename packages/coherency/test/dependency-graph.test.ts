import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCache, createMemoryBusHub, MemoryStore } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { cascade, createDependencyGraph, loadDependencyMap } from '../src/dependency-graph.js';
import { DependencyCycleError, DependencyDepthError } from '../src/errors.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('dependency graph', () => {
  const map = {
    'user:{id}': ['user-orders:{id}', 'user-profile:{id}'],
    'user-orders:{id}': ['order-summary:{id}'],
    'org:{org}:member:{id}': ['user:{id}', 'org-members:{org}'],
  };

  it('expands the dependents of a key, transitively, nearest first', () => {
    const graph = createDependencyGraph(map);
    expect(graph.dependents('user:42')).toEqual([
      'user-orders:42',
      'user-profile:42',
      'order-summary:42',
    ]);
    expect(graph.dependents('org:acme:member:7')).toEqual([
      'user:7',
      'org-members:acme',
      'user-orders:7',
      'user-profile:7',
      'order-summary:7',
    ]);
    expect(graph.dependents('product:1')).toEqual([]);
  });

  it('cascades a delete to the dependents in this cache and in other instances through the bus', async () => {
    const hub = createMemoryBusHub();
    const shared = new MemoryStore();
    const a = createCache({ l2: shared, bus: hub.createBus() });
    const b = createCache({ l2: shared, bus: hub.createBus() });
    const keys = ['user:1', 'user-orders:1', 'user-profile:1', 'order-summary:1', 'user:2'];
    for (const k of keys) await a.set(k, k);
    expect(await b.getMany(keys)).toEqual(keys); // all in B's L1 now
    const graph = createDependencyGraph(map);
    const deleted = await cascade(a, graph, 'user:1');
    expect(deleted).toEqual(['user:1', 'user-orders:1', 'user-profile:1', 'order-summary:1']);
    await tick();
    expect(await b.getMany(keys)).toEqual([undefined, undefined, undefined, undefined, 'user:2']);
    expect(await a.get('user-profile:1')).toBeUndefined();
    await a.close();
    await b.close();
  });

  it('refuses a map whose patterns form a cycle, naming the cycle', () => {
    const cyclic = { 'a:{id}': ['b:{id}'], 'b:{id}': ['c:{id}'], 'c:{id}': ['a:{id}'] };
    expect(() => createDependencyGraph(cyclic)).toThrow(DependencyCycleError);
    try {
      createDependencyGraph(cyclic);
    } catch (error) {
      expect((error as DependencyCycleError).cycle).toEqual([
        'a:{id}',
        'b:{id}',
        'c:{id}',
        'a:{id}',
      ]);
      expect((error as DependencyCycleError).code).toBe('CACHESTACK_DEPENDENCY_CYCLE');
    }
    expect(() => createDependencyGraph({ 'user:{id}': ['user:admin'] })).toThrow(
      DependencyCycleError,
    );
  });

  it('stops at keys already visited when cycles are allowed', () => {
    const graph = createDependencyGraph(
      { 'a:{id}': ['b:{id}'], 'b:{id}': ['a:{id}'] },
      { allowCycles: true },
    );
    expect(graph.dependents('a:1')).toEqual(['b:1']);
  });

  it('throws before deleting anything when the cascade is deeper than maxDepth', async () => {
    const chain = { 'l0:{id}': ['l1:{id}'], 'l1:{id}': ['l2:{id}'], 'l2:{id}': ['l3:{id}'] };
    expect(createDependencyGraph(chain, { maxDepth: 3 }).dependents('l0:x')).toEqual([
      'l1:x',
      'l2:x',
      'l3:x',
    ]);
    const graph = createDependencyGraph(chain, { maxDepth: 2 });
    expect(() => graph.dependents('l0:x')).toThrow(DependencyDepthError);
    const cache = createCache();
    await cache.set('l0:x', 1);
    await expect(cascade(cache, graph, 'l0:x')).rejects.toMatchObject({
      code: 'CACHESTACK_DEPENDENCY_DEPTH',
    });
    expect(await cache.get('l0:x')).toBe(1);
    await cache.close();
  });

  it('rejects dependents using parameters their pattern lacks, and malformed maps', () => {
    expect(() => createDependencyGraph({ 'user:{id}': ['x:{other}'] })).toThrow(/does not define/);
    expect(() => createDependencyGraph({ 'user:{id}:{id}': [] })).toThrow(/repeats/);
    expect(() => createDependencyGraph({ 'user:{id}': 'x' as never })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() => createDependencyGraph(map, { maxDepth: 0 })).toThrow(
      expect.objectContaining({ option: 'maxDepth' }),
    );
  });

  it('loads a map from a JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coherency-deps-'));
    try {
      const file = join(dir, 'deps.json');
      writeFileSync(file, JSON.stringify(map));
      expect(createDependencyGraph(loadDependencyMap(file)).dependents('user:9')).toHaveLength(3);
      writeFileSync(file, '[1]');
      expect(() => loadDependencyMap(file)).toThrow(/JSON object/);
      expect(() => loadDependencyMap(join(dir, 'missing.json'))).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
