// Regenerates the options reference in README.md from the schema (run after a build:
// `pnpm --filter @cachestack/config docs`). A test fails when README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { updateReadme } from '../dist/options-reference.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = updateReadme(before);
if (after === before) {
  console.log('README.md is up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('README.md options reference regenerated');
}
