// A small tour of @cachestack/core, run by `pnpm start` until the example app lands.
// Embedded defaults: no Redis needed (the L2 is the in-process memory store).
import { createCache, memoryStore } from '@cachestack/core';

const db = new Map([
  [1, { id: 1, name: 'Ada Lovelace', joined: new Date('2024-01-02') }],
  [2, { id: 2, name: 'Grace Hopper', joined: new Date('2024-03-04') }],
]);
let queries = 0;
const loadUser = async (id) => {
  queries++;
  await new Promise((r) => setTimeout(r, 20)); // a slow database
  const user = db.get(id);
  if (!user) throw new Error(`user ${id} not found`);
  return user;
};

const cache = createCache({
  l1: { maxEntries: 1000 },
  l2: memoryStore(),
  defaults: { ttl: '5m', grace: '1h' },
});
const users = cache.namespace('users');
const counts = { hit: 0, miss: 0, stale: 0 };
for (const name of Object.keys(counts)) cache.on(name, () => counts[name]++);

console.log('1. 100 concurrent reads of one missing key run the loader once (single flight)');
await Promise.all(Array.from({ length: 100 }, () => users.getOrSet('1', () => loadUser(1))));
console.log(`   database queries: ${queries}`);

console.log('2. later reads are L1 hits');
const t0 = performance.now();
for (let i = 0; i < 100_000; i++) await users.get('1');
console.log(`   100k L1 hits in ${(performance.now() - t0).toFixed(1)} ms`);

console.log('3. a failing database is survived with the stale value (grace)');
await users.set('2', await loadUser(2), { ttl: 10, grace: '1h' });
await new Promise((r) => setTimeout(r, 20));
const fallback = await users.getOrSet('2', () => Promise.reject(new Error('database down')));
console.log(`   served: ${fallback.name} (stale)`);

console.log('4. types survive the L2 round trip');
const viaL2 = await users.get('1', { skipL1: true });
console.log(`   joined is a Date: ${viaL2.joined instanceof Date}`);

console.log('5. tags invalidate groups of keys');
await users.set('a', 1, { tags: ['team:x'] });
await users.set('b', 2, { tags: ['team:x'] });
await users.deleteByTag('team:x');
console.log(`   after deleteByTag: ${JSON.stringify(await users.getMany(['a', 'b']))}`);

console.log(`\nevents: ${JSON.stringify(counts)}; stats: ${JSON.stringify(cache.stats())}`);
await cache.close();
