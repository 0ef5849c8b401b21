#!/usr/bin/env node
/**
 * After `changeset version`: sets the floor of every internal peer range
 * (`workspace:>=X.Y.Z <1.0.0`) to the version of that package in this release, so a
 * satellite released now never claims to work with an older core than the one it was
 * built and tested against (e.g. one that had no `@cachestack/core/kit` yet). Packages
 * that are not released keep their published ranges; their next release picks the floor up.
 *
 * With `--check` it changes nothing and exits 1 when a floor is below the version of the
 * package it names (a plain `changeset version` without this script): `pnpm release` runs
 * it before publishing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { manifestPaths } from './workspace.mjs';

const manifests = manifestPaths().map((file) => ({
  file,
  manifest: JSON.parse(readFileSync(file, 'utf8')),
}));
const check = process.argv.includes('--check');
const stale = [];
const versions = new Map(manifests.map(({ manifest }) => [manifest.name, manifest.version]));
for (const { file, manifest } of manifests) {
  const peers = manifest.peerDependencies ?? {};
  let changed = false;
  for (const [name, range] of Object.entries(peers)) {
    const match = /^workspace:>=(\S+) <(\d+)\.0\.0$/.exec(range);
    const version = versions.get(name);
    if (!match || !version || match[1] === version) continue;
    if (check) {
      stale.push(`${manifest.name}: peer ${name} ${range}, but ${name} is ${version}`);
      continue;
    }
    peers[name] = `workspace:>=${version} <${match[2]}.0.0`;
    changed = true;
    console.log(`${manifest.name}: peer ${name} ${range} -> ${peers[name]}`);
  }
  if (changed) writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
if (stale.length > 0) {
  console.error(
    `internal peer floors below the released versions (run \`pnpm version-packages\`, not a bare \`changeset version\`):\n- ${stale.join('\n- ')}`,
  );
  process.exit(1);
}
