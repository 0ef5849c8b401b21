import { createCache } from '@cachestack/core';
const policy = process.argv[2] ?? 'lru';
const KEYS = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
const cache = createCache({ l1: { maxEntries: 10_000, policy }, defaults: { ttl: '1h' } });
for (const k of KEYS) { await cache.set(k, { id: k, name: 'x'.repeat(50) }); }
const loader = async () => ({ id: 'loaded' });
let sink;
const t = performance.now();
for (let r = 0; r < 20000; r++) for (let i = 0; i < 1000; i++) sink = await cache.getOrSet(KEYS[i & 1023], loader);
console.log(20e6 / ((performance.now() - t) / 1000));
await cache.close();
