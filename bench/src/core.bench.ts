/**
 * @cachestack/core against its references, each scenario in one run:
 * - L1 hit: `await cache.get` vs raw lru-cache `get` (and bentocache, cacheable), in
 *   interleaved rounds (median per contender)
 * - L2 hit: L1 miss, 1 KB value, 100 concurrent callers, vs raw ioredis GET (see core-l2)
 * - 1000 concurrent getOrSet of one missing key: loader calls and total time
 * - RSS for 1 M entries of ~100 B vs lru-cache (separate processes)
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCache } from '@cachestack/core';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { Cacheable } from 'cacheable';
import { LRUCache } from 'lru-cache';
import { Bench } from 'tinybench';
import {
  median,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const BATCH = 1000;
const KEYS = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
/** Interleaved rounds of the L1-hit scenario (each contender ~250 ms per round). */
const L1_ROUNDS = Number(process.env.BENCH_L1_ROUNDS ?? 7);

/** Our L1-hit rows, each compared with the async lru-cache wrapper (target >= 0.8x). */
const L1_ROWS = [
  'cachestack await get (lru)',
  'cachestack await get (w-tinylfu)',
  'cachestack await getOrSet hit (lru)',
  'cachestack await getOrSet hit (w-tinylfu)',
] as const;

async function l1Hit(): Promise<ScenarioResult> {
  const lru = new LRUCache<string, object>({ max: 10_000 });
  const cache = createCache({ l1: { maxEntries: 10_000, policy: 'lru' }, defaults: { ttl: '1h' } });
  const tiny = createCache({
    l1: { maxEntries: 10_000, policy: 'w-tinylfu' },
    defaults: { ttl: '1h' },
  });
  const bento = new BentoCache({
    default: 'm',
    stores: { m: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
  });
  const cacheable = new Cacheable({ ttl: '1h' });
  for (const key of KEYS) {
    const value = { id: key, name: 'x'.repeat(50) };
    lru.set(key, value);
    await cache.set(key, value);
    await tiny.set(key, value);
    await bento.set({ key, value, ttl: '1h' });
    await cacheable.set(key, value);
  }
  let sink: unknown;
  // The real limit of any async get: the same lookup behind an async function.
  const asyncLru = async (key: string) => lru.get(key);
  // Never called: every key is in L1.
  const loader = async () => ({ id: 'loaded' });
  const tasks: Record<string, () => Promise<void> | void> = {
    'raw lru-cache get': () => {
      for (let i = 0; i < BATCH; i++) sink = lru.get(KEYS[i & 1023]!);
    },
    'async lru-cache wrapper': async () => {
      for (let i = 0; i < BATCH; i++) sink = await asyncLru(KEYS[i & 1023]!);
    },
    'cachestack await get (lru)': async () => {
      for (let i = 0; i < BATCH; i++) sink = await cache.get(KEYS[i & 1023]!);
    },
    'cachestack await get (w-tinylfu)': async () => {
      for (let i = 0; i < BATCH; i++) sink = await tiny.get(KEYS[i & 1023]!);
    },
    'cachestack await getOrSet hit (lru)': async () => {
      for (let i = 0; i < BATCH; i++) sink = await cache.getOrSet(KEYS[i & 1023]!, loader);
    },
    'cachestack await getOrSet hit (w-tinylfu)': async () => {
      for (let i = 0; i < BATCH; i++) sink = await tiny.getOrSet(KEYS[i & 1023]!, loader);
    },
    'bentocache await get': async () => {
      for (let i = 0; i < BATCH; i++) sink = await bento.get({ key: KEYS[i & 1023]! });
    },
    'cacheable await get': async () => {
      for (let i = 0; i < BATCH; i++) sink = await cacheable.get(KEYS[i & 1023]!);
    },
  };
  // Short interleaved rounds, median per contender: a burst of machine noise lands on one
  // round of every contender rather than on the whole measurement of one of them.
  const samples = new Map<string, number[]>(Object.keys(tasks).map((name) => [name, []]));
  for (let round = 0; round < L1_ROUNDS; round++) {
    const bench = new Bench({ time: 250, warmupTime: round === 0 ? 200 : 30 });
    for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result as
        | { throughput?: { median?: number; mean: number }; hz?: number }
        | undefined;
      const perSec = r?.throughput?.median ?? r?.throughput?.mean ?? r?.hz ?? 0;
      samples.get(task.name)!.push(perSec * BATCH);
    }
  }
  void sink;
  const rows: Row[] = [...samples].map(([name, values]) => ({
    name,
    opsPerSec: Math.round(median(values)),
  }));
  await cache.close();
  await tiny.close();
  await bento.disconnectAll();
  const r = ratios(rows, 'async lru-cache wrapper');
  const ours = rows.find((x) => x.name === 'cachestack await get (lru)')!.opsPerSec!;
  const bentoOps = rows.find((x) => x.name === 'bentocache await get')!.opsPerSec!;
  const rawOps = rows.find((x) => x.name === 'raw lru-cache get')!.opsPerSec!;
  return {
    scenario: 'L1 hit (1024 hot keys, values ~70 B objects)',
    reference: 'async lru-cache wrapper',
    rows,
    ratios: {
      ...r,
      'cachestack vs bentocache': Number((ours / bentoOps).toFixed(2)),
      'cachestack vs raw sync lru-cache': Number((ours / rawOps).toFixed(3)),
    },
    targets: [
      ...L1_ROWS.map((name) => ({
        label: `${name} >= 0.8x the async lru-cache wrapper`,
        figure: `ratio:${name}`,
        op: '>=' as const,
        value: 0.8,
      })),
      {
        label: 'await cache.get L1 hit >= 5M ops/s',
        figure: 'cachestack await get (lru).opsPerSec',
        op: '>=',
        value: 5_000_000,
      },
      {
        label: 'L1 hit >= 20x bentocache',
        figure: 'ratio:cachestack vs bentocache',
        op: '>=',
        value: 20,
      },
    ],
  };
}

async function stampede(): Promise<ScenarioResult> {
  const rounds = 5;
  const results: Record<string, { calls: number[]; ms: number[] }> = {
    cachestack: { calls: [], ms: [] },
    bentocache: { calls: [], ms: [] },
    cacheable: { calls: [], ms: [] },
  };
  const cache = createCache({ l1: { maxEntries: 10_000 } });
  const bento = new BentoCache({
    default: 'm',
    stores: { m: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
  });
  const cacheable = new Cacheable();
  for (let round = 0; round < rounds; round++) {
    const key = `missing:${round}`;
    const contenders: [string, (loader: () => Promise<string>) => Promise<unknown>][] = [
      ['cachestack', (loader) => cache.getOrSet(key, loader)],
      ['bentocache', (loader) => bento.getOrSet({ key, factory: loader, ttl: '1h' })],
      ['cacheable', (loader) => cacheable.getOrSet(key, loader)],
    ];
    for (const [name, call] of contenders) {
      let calls = 0;
      const loader = async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return 'value';
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 1000 }, () => call(loader)));
      results[name]!.ms.push(performance.now() - t0);
      results[name]!.calls.push(calls);
    }
  }
  await cache.close();
  await bento.disconnectAll();
  const rows: Row[] = Object.entries(results).map(([name, r]) => ({
    name,
    loaderCalls: Math.max(...r.calls),
    totalMs: Number(median(r.ms).toFixed(2)),
  }));
  return {
    scenario: '1000 concurrent getOrSet of one missing key (loader takes 10 ms)',
    reference: 'cachestack',
    rows,
    ratios: ratios(rows, 'cachestack', 'totalMs'),
    notes: ['loaderCalls is the worst of 5 rounds; totalMs the median (lower is better)'],
  };
}

function rss(): ScenarioResult {
  const n = Number(process.env.BENCH_RSS_ENTRIES ?? 1_000_000);
  const rows: Row[] = [];
  for (const kind of ['lru-cache', 'cachestack', 'bentocache', 'cacheable']) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', join(here, 'rss-child.js'), kind, String(n)],
      {
        encoding: 'utf8',
      },
    );
    const parsed = JSON.parse(out.trim().split('\n').pop()!) as {
      rssMB: number;
      heapMB: number;
      fillMs: number;
    };
    rows.push({ name: kind, rssMB: parsed.rssMB, heapMB: parsed.heapMB, fillMs: parsed.fillMs });
  }
  return {
    scenario: `RSS for ${n.toLocaleString('en')} entries of ~100 B`,
    reference: 'lru-cache',
    rows,
    ratios: ratios(rows, 'lru-cache', 'rssMB'),
    notes: ['ratio is RSS relative to raw lru-cache (lower is better); target cachestack <= 1.1x'],
  };
}

export default async function run(): Promise<void> {
  const results = [await l1Hit(), await stampede(), rss()];
  for (const r of results) printScenario(r);
  writeResults('core', results);
}
