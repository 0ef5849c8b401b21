import type { Cache } from '@cachestack/core';
import { escapeKeyPart } from '@cachestack/core';
import { schema } from './keys.js';

/**
 * Key patterns to the patterns that depend on them, in the format of
 * @cachestack/coherency's `DependencyMap` (`{name}` is a parameter). The sources are
 * "change" keys: an order change of user 7 cascades from `...:orders:changed-for-user:7`.
 */
export type DependencyMap = Readonly<Record<string, readonly string[]>>;

const head = `${schema.prefix}:v${schema.version}`;

/** The app's dependencies. */
export const DEPENDENCIES: DependencyMap = {
  // An order of a user changed: that user's order list (count, total, latest orders).
  [`${head}:orders:changed-for-user:{userId}`]: [`${head}:orders:user-orders:{userId}`],
  // A product changed: the listing of its category.
  [`${head}:products:changed-in-category:{category}`]: [`${head}:products:category:{category}`],
};

/** Change keys, the roots of cascades. */
export const changeKeys = {
  ordersOfUser: (userId: number) => `${head}:orders:changed-for-user:${userId}`,
  productInCategory: (category: string) =>
    `${head}:products:changed-in-category:${escapeKeyPart(category)}`,
};

/** Resolves the dependents of a key. */
export interface Dependents {
  dependents(key: string): string[];
}

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The app's local resolver of a {@link DependencyMap} (one level, which is all the map
 * above has). When @cachestack/coherency is on main, `createDependencyGraph(DEPENDENCIES)`
 * and its `cascade` replace this file's two functions (same map, same call shape).
 */
export function localDependencies(map: DependencyMap): Dependents {
  const rules = Object.entries(map).map(([pattern, deps]) => {
    const names: string[] = [];
    const source = pattern
      .split(PARAM)
      .map((part, i) => {
        if (i % 2 === 1) {
          names.push(part);
          return '(.+?)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return { regex: new RegExp(`^${source}$`), names, deps };
  });
  return {
    dependents(key) {
      const out: string[] = [];
      for (const rule of rules) {
        const m = rule.regex.exec(key);
        if (!m) continue;
        for (const dep of rule.deps) {
          out.push(dep.replace(PARAM, (_, name: string) => m[rule.names.indexOf(name) + 1]!));
        }
      }
      return out;
    },
  };
}

/** Deletes `roots` and their dependents in one `deleteMany`; returns the keys deleted. */
export async function cascade(
  cache: Cache,
  graph: Dependents,
  roots: readonly string[],
): Promise<string[]> {
  const all = new Set(roots);
  for (const key of roots) for (const dep of graph.dependents(key)) all.add(dep);
  const list = [...all];
  await cache.deleteMany(list);
  return list;
}
