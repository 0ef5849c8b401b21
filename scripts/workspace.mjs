/** The workspace's manifests, shared by the release scripts. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');

/** Paths of every package.json of the workspace, the root's first. */
export function manifestPaths(root = ROOT) {
  const paths = [join(root, 'package.json')];
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name, 'package.json');
      if (existsSync(file)) paths.push(file);
    }
  }
  for (const single of ['bench', 'scripts']) {
    const file = join(root, single, 'package.json');
    if (existsSync(file)) paths.push(file);
  }
  return paths;
}

/** `{ dir, manifest }` of every published (non-private) package under packages/. */
export function publishedPackages(root = ROOT) {
  return manifestPaths(root)
    .filter((file) => file.includes('/packages/'))
    .map((file) => ({ dir: resolve(file, '..'), manifest: JSON.parse(readFileSync(file, 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);
}
