/**
 * Measures the RSS growth of holding N entries of ~100 B in one cache, in a fresh
 * process so nothing else pollutes the figure. Prints one JSON line.
 *   node --expose-gc dist/rss-child.js <lru-cache|cachestack|bentocache|cacheable> <n> [policy]
 */
import { createCache, type EvictionPolicy } from '@cachestack/core';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { Cacheable } from 'cacheable';
import { LRUCache } from 'lru-cache';

const kind = process.argv[2] ?? 'lru-cache';
const n = Number(process.argv[3] ?? 1_000_000);
// cachestack only: the L1 policy (default: the cache's default policy)
const policy = process.argv[4] as EvictionPolicy | undefined;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function value(i: number): string {
  // ~100 bytes, distinct per entry so nothing is shared
  return `${i.toString(36).padStart(8, '0')}:${'x'.repeat(91)}`;
}

gc();
gc();
const before = process.memoryUsage();
const started = performance.now();
// Held on globalThis: a local that is never read again may be collected early.
const holder = globalThis as { keep?: unknown };
if (kind === 'lru-cache') {
  const lru = new LRUCache<string, string>({ max: n });
  for (let i = 0; i < n; i++) lru.set(`key:${i}`, value(i));
  holder.keep = lru;
} else if (kind === 'cachestack') {
  const cache = createCache({
    l1: policy ? { maxEntries: n, policy } : { maxEntries: n },
    defaults: { ttl: '1h' },
  });
  for (let i = 0; i < n; i++) await cache.set(`key:${i}`, value(i));
  holder.keep = cache;
} else if (kind === 'bentocache') {
  const bento = new BentoCache({
    default: 'm',
    stores: {
      m: bentostore().useL1Layer(memoryDriver({ maxItems: n, maxSize: 4 * 1024 * 1024 * 1024 })),
    },
  });
  for (let i = 0; i < n; i++) await bento.set({ key: `key:${i}`, value: value(i), ttl: '1h' });
  holder.keep = bento;
} else if (kind === 'cacheable') {
  const c = new Cacheable({ ttl: '1h' });
  for (let i = 0; i < n; i++) await c.set(`key:${i}`, value(i));
  holder.keep = c;
} else {
  throw new Error(`unknown kind ${kind}`);
}
const fillMs = performance.now() - started;
gc();
gc();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    kind,
    n,
    rssMB: Number(((after.rss - before.rss) / 1048576).toFixed(1)),
    heapMB: Number(((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)),
    // typed arrays live outside the JS heap: count them too
    arrayBuffersMB: Number(((after.arrayBuffers - before.arrayBuffers) / 1048576).toFixed(1)),
    fillMs: Math.round(fillMs),
  }),
);
process.exit(0);
