import { createCache } from '@cachestack/core';
import { instrument, createHealthMonitor } from '@cachestack/metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
const meter = new MeterProvider().getMeter('x');
const KEYS = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
const BATCH = 10000;
async function mk() { const c = createCache({ l1: { maxEntries: 10000 }, defaults: { ttl: '1h' } }); for (const k of KEYS) await c.set(k, { id: k }); return c; }
const c = [['plain', await mk()], ['noop listener', await mk()], ['instrument', await mk()], ['monitor', await mk()]];
c[1][1].on('hit', () => {});
instrument(c[2][1], { meter });
createHealthMonitor(c[3][1]);
const s = new Map(c.map(([k]) => [k, []]));
for (let r = 0; r < 41; r++) for (let j = 0; j < c.length; j++) { const [name, cache] = c[(r + j) % c.length]; const t0 = performance.now(); for (let i = 0; i < BATCH; i++) await cache.get(KEYS[i & 1023]); s.get(name).push(BATCH / (performance.now() - t0) * 1000); }
for (const [k, v] of s) { v.sort((a, b) => a - b); console.log(k.padEnd(15), 'median', Math.round(v[20]), 'p90', Math.round(v[36]), 'best', Math.round(v[40])); }
process.exit(0);
