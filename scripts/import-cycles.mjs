#!/usr/bin/env node
/**
 * Finds import cycles among the TypeScript files of a folder, type-only imports included
 * (`import type`, `export ... from`, `import('...')`). Exits 1 when there is one.
 * Usage: node scripts/import-cycles.mjs packages/core/src
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'packages/core/src');
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
const files = walk(root);
const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
const graph = new Map();
for (const file of files) {
  const deps = new Set();
  for (const match of readFileSync(file, 'utf8').matchAll(specifier)) {
    const target = resolve(dirname(file), match[2].replace(/\.js$/, '.ts'));
    if (existsSync(target)) deps.add(target);
  }
  graph.set(file, [...deps]);
}
const cycles = [];
const state = new Map(); // 1 = on the stack, 2 = done
const stack = [];
const visit = (file) => {
  state.set(file, 1);
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (state.get(dep) === 1) cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(file, 2);
};
for (const file of files) if (!state.has(file)) visit(file);
const name = (f) => relative(root, f);
console.log(
  `${files.length} files, ${[...graph.values()].reduce((n, d) => n + d.length, 0)} imports`,
);
for (const cycle of cycles) console.log(`cycle: ${cycle.map(name).join(' -> ')}`);
console.log(cycles.length === 0 ? 'no import cycle' : `${cycles.length} cycle(s)`);
process.exit(cycles.length === 0 ? 0 : 1);
