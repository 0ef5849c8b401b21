#!/usr/bin/env node
/**
 * Writes every package.json of the workspace in the one canonical form that changesets
 * also writes (JSON.stringify with two spaces and a final newline), so that
 * `changeset version` never rewrites a manifest it did not need to change.
 * With `--check` it only reports manifests that are not canonical (exit 1); `--private`
 * limits it to the private manifests (those `changeset version` must leave untouched).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { manifestPaths } from './workspace.mjs';

const check = process.argv.includes('--check');
const privateOnly = process.argv.includes('--private');
const off = [];
for (const file of manifestPaths()) {
  const text = readFileSync(file, 'utf8');
  if (privateOnly && JSON.parse(text).private !== true) continue;
  const canonical = `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  if (text === canonical) continue;
  off.push(file);
  if (!check) writeFileSync(file, canonical);
}
if (check && off.length > 0) {
  console.error(`not canonical (run node scripts/normalize-manifests.mjs): ${off.join(', ')}`);
  process.exit(1);
}
