#!/usr/bin/env node
/**
 * The consumer's view of every published package (`pnpm test:consumer`):
 *   1. `pnpm pack` every published package (workspace ranges become real ranges);
 *   2. install the tarballs with npm in a temporary project outside the workspace, with
 *      ioredis, @opentelemetry/api and every peer the packages declare;
 *   3. type-check a TypeScript consumer importing every export path, once with
 *      moduleResolution NodeNext and once with bundler;
 *   4. run an ESM consumer and a CommonJS consumer (`require()` of ESM, Node >= 20.19)
 *      that build a two-tier cache on Redis and a Redis rate limiter;
 *   5. run `changeset version` in a scratch copy and fail if a published package would
 *      reach 1.0.0 from minor or patch changesets (scripts/check-versioning.mjs).
 * Needs the packages built (`pnpm build`) and a Redis at REDIS_URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishedPackages, ROOT } from './workspace.mjs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'cachestack-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);

function run(cmd, args, cwd, env = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  return execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

function step(title) {
  console.log(`\n==> ${title}`);
}

try {
  step('pack every published package');
  const packages = publishedPackages();
  const dependencies = {};
  const peers = {};
  const entryPoints = [];
  for (const { dir, manifest } of packages) {
    run('pnpm', ['pack', '--pack-destination', tarballs], dir);
    const file = readdirSync(tarballs).find(
      (f) =>
        f.startsWith(`${manifest.name.replace('@', '').replace('/', '-')}-`) && f.endsWith('.tgz'),
    );
    if (!file) throw new Error(`no tarball for ${manifest.name}`);
    dependencies[manifest.name] = `file:${join(tarballs, file)}`;
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (!peer.startsWith('@cachestack/') && peer !== 'vitest') peers[peer] ??= range;
    }
    for (const subpath of Object.keys(manifest.exports ?? { '.': null })) {
      if (subpath === './package.json') continue;
      entryPoints.push(subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`);
    }
  }
  // ioredis 5 or 6 (whatever the peer range takes), the OpenTelemetry API, every other peer.
  Object.assign(dependencies, peers, {
    ioredis: peers.ioredis ?? '^5',
    '@opentelemetry/api': peers['@opentelemetry/api'] ?? '^1.9.0',
  });

  step('install the tarballs in a clean project (npm)');
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'cachestack-consumer',
        private: true,
        type: 'module',
        dependencies,
        devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
      },
      null,
      2,
    )}\n`,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);

  step(`type-check a TypeScript consumer of ${entryPoints.length} entry points`);
  const imports = entryPoints.map((entry, i) => `import * as m${i} from '${entry}';`).join('\n');
  writeFileSync(
    join(app, 'consumer.ts'),
    `${imports}
import { createCache, type Cache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { createRateLimiter, RedisStore } from '@cachestack/ratelimit';
import { Redis } from 'ioredis';

export const modules = [${entryPoints.map((_, i) => `m${i}`).join(', ')}];
export async function build(url: string): Promise<Cache> {
  const cache: Cache = createCache({ l2: redisStore({ url, prefix: 'consumer-ts' }) });
  const value: number = await cache.getOrSet('k', async () => 42, { ttl: '1m' });
  const limiter = createRateLimiter({
    rules: [{ name: 'r', algorithm: 'gcra', limit: 5, windowMs: 1000 }],
    store: new RedisStore({ redis: new Redis(url) }),
    failurePolicy: 'closed',
  });
  const decision = await limiter.check('user:1');
  const allowed: boolean = decision.allowed;
  return allowed && value === 42 ? cache : cache;
}
`,
  );
  const base = {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2023'],
    types: ['node'],
    // The consumer's code is checked in full; declaration files of optional framework
    // peers that are not installed are the only ones skipped.
    skipLibCheck: true,
  };
  for (const [name, options] of [
    ['nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['bundler', { module: 'ESNext', moduleResolution: 'bundler' }],
  ]) {
    writeFileSync(
      join(app, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts'] }),
    );
    run('npx', ['tsc', '-p', `tsconfig.${name}.json`], app);
    console.log(`types OK with moduleResolution ${options.moduleResolution}`);
  }

  const scenario = (load) => `
${load}
const url = process.env.REDIS_URL;
const prefix = 'consumer-' + process.pid + '-' + Date.now();
const cache = createCache({ l2: redisStore({ url, prefix }), defaults: { ttl: '1m' } });
let loads = 0;
const first = await cache.getOrSet('user:1', async () => { loads++; return { id: 1, at: new Date(0) }; });
const other = createCache({ l2: redisStore({ url, prefix }) });
const fromL2 = await other.get('user:1');
if (loads !== 1 || first.id !== 1 || !(fromL2?.at instanceof Date)) {
  throw new Error('two-tier cache on Redis did not round-trip: ' + JSON.stringify({ loads, first, fromL2 }));
}
await cache.delete('user:1');
// other has no bus here, so its own L1 may keep the value: read L2 directly
if ((await other.get('user:1', { skipL1: true })) !== undefined) throw new Error('delete not seen in L2');
const redis = new Redis(url);
const limiter = createRateLimiter({
  rules: [{ name: 'r', algorithm: 'fixed-window', limit: 3, windowMs: 60000 }],
  store: new RedisStore({ redis }),
  failurePolicy: 'closed',
});
const key = prefix + ':ip';
const decisions = [];
for (let i = 0; i < 5; i++) decisions.push((await limiter.check(key)).allowed);
if (decisions.join() !== 'true,true,true,false,false') throw new Error('rate limiter: ' + decisions.join());
await limiter.close?.();
await Promise.all([cache.close(), other.close()]);
redis.disconnect();
console.log('consumer OK:', KIND);
`;

  step('run an ESM consumer on Redis');
  writeFileSync(
    join(app, 'consumer.mjs'),
    `const KIND = 'esm';\n${scenario(`import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { createRateLimiter, RedisStore } from '@cachestack/ratelimit';
import { Redis } from 'ioredis';`)}`,
  );
  process.stdout.write(run('node', ['consumer.mjs'], app, { REDIS_URL }));

  step('run a CommonJS consumer on Redis (require of ESM)');
  writeFileSync(
    join(app, 'consumer.cjs'),
    `const KIND = 'commonjs';
const { createCache } = require('@cachestack/core');
const { redisStore } = require('@cachestack/redis');
const { createRateLimiter, RedisStore } = require('@cachestack/ratelimit');
const { Redis } = require('ioredis');
(async () => {${scenario('')}})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  process.stdout.write(
    run('node', ['--disable-warning=ExperimentalWarning', 'consumer.cjs'], app, { REDIS_URL }),
  );

  step('versions that `changeset version` would produce');
  process.stdout.write(run('node', [join(ROOT, 'scripts/check-versioning.mjs')], ROOT));
  console.log('\nconsumer test passed');
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
