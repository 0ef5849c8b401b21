// The build step of `pnpm start`: transpiles the example app and the workspace packages it
// runs on (src/**/*.ts → dist/**/*.js, with source maps) with oxc (rolldown/utils), file by
// file, the same layout `tsc` emits. No type checking and no .d.ts: `pnpm build`,
// `pnpm typecheck` and CI do that; starting the app only needs JavaScript. A cold run takes
// seconds where `turbo run build` (one `tsc` per package) took minutes on a loaded machine.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'rolldown/utils';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();

/** Workspace package directories by name (packages/* and apps/*). */
const dirs = new Map();
for (const group of ['packages', 'apps']) {
  for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, group, entry.name);
    try {
      dirs.set(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, dir);
    } catch {
      // not a package
    }
  }
}

/** The app and every workspace package it needs at run time (dependencies and peers). */
const needed = new Set();
const visit = (name) => {
  if (needed.has(name) || !dirs.has(name)) return;
  needed.add(name);
  const manifest = JSON.parse(readFileSync(join(dirs.get(name), 'package.json'), 'utf8'));
  for (const deps of [manifest.dependencies, manifest.peerDependencies]) {
    for (const [dep, range] of Object.entries(deps ?? {})) {
      if (String(range).startsWith('workspace:')) visit(dep);
    }
  }
};
visit('@cachestack/example');

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

let failed = false;
for (const name of needed) {
  const dir = dirs.get(name);
  const t0 = performance.now();
  let files = 0;
  for (const file of sources(join(dir, 'src'))) {
    const out = join(dir, 'dist', relative(join(dir, 'src'), file)).replace(/\.ts$/, '.js');
    const result = transformSync(file, readFileSync(file, 'utf8'), {
      lang: 'ts',
      target: 'es2022',
      sourcemap: true,
    });
    if (result.errors.length > 0) {
      failed = true;
      for (const error of result.errors) console.error(`${relative(root, file)}: ${error.message}`);
      continue;
    }
    mkdirSync(dirname(out), { recursive: true });
    const map = `${out}.map`;
    writeFileSync(out, `${result.code}\n//# sourceMappingURL=${relative(dirname(out), map)}\n`);
    writeFileSync(map, JSON.stringify({ ...result.map, sources: [relative(dirname(out), file)] }));
    files++;
  }
  console.log(`built ${name}: ${files} files in ${Math.round(performance.now() - t0)} ms`);
}
if (failed) {
  console.error('build failed');
  process.exit(1);
}
console.log(
  `built ${needed.size} packages in ${Math.round(performance.now() - started)} ms (transpiled only; \`pnpm typecheck\` checks types)`,
);
