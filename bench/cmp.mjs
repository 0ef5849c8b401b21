import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { Redis } from 'ioredis';
const prefix = 'cmpx';
const raw = new Redis('redis://127.0.0.1:6379');
const store = redisStore({ client: new Redis('redis://127.0.0.1:6379'), prefix });
const c = createCache({ namespace: 'l2', l1: false, l2: redisStore({ client: new Redis('redis://127.0.0.1:6379'), prefix }) });
const value = { id: 42, bio: 'x'.repeat(900) };
for (let i = 0; i < 256; i++) { await c.set(`user:${i}`, value, { ttl: '10m' }); await raw.set(`${prefix}:raw:${i}`, JSON.stringify(value)); }
async function cpu(fn) {
  const N = 20000; let n = 0;
  const t0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 100 }, async () => { while (n < N) { await fn(n++ % 256); } }));
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) / N).toFixed(1);
}
for (let r = 0; r < 3; r++) {
  console.log('us/op raw', await cpu((i) => raw.getBuffer(`${prefix}:raw:${i}`)), 'raw+parse', await cpu(async (i) => JSON.parse(await raw.get(`${prefix}:raw:${i}`))), 'store', await cpu((i) => store.get('l2', `user:${i}`)), 'cache', await cpu((i) => c.get(`user:${i}`)));
}
await c.clear(); process.exit(0);
