import { readFileSync } from 'node:fs';
import { type Cache, InvalidOptionError } from '@cachestack/core';
import { DependencyCycleError, DependencyDepthError } from './errors.js';

/**
 * Key patterns to the patterns that depend on them. `{name}` is a parameter: the value
 * it matched in the invalidated key is substituted into the dependents.
 * @example { "user:{id}": ["user-orders:{id}", "user-profile:{id}"] }
 */
export type DependencyMap = Readonly<Record<string, readonly string[]>>;

/** Options of {@link createDependencyGraph}. */
export interface DependencyGraphOptions {
  /**
   * How many levels of dependents an invalidation may cascade through; deeper expansion
   * throws {@link DependencyDepthError} (before anything is deleted).
   * @defaultValue 8
   */
  readonly maxDepth?: number;
  /**
   * Accept a map whose patterns form a cycle (the cascade then stops at keys already
   * visited). By default a cycle is a {@link DependencyCycleError} at construction.
   * @defaultValue false
   */
  readonly allowCycles?: boolean;
}

interface Rule {
  readonly pattern: string;
  readonly regex: RegExp;
  readonly params: readonly string[];
  readonly dependents: readonly string[];
}

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(pattern: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  let source = '^';
  let last = 0;
  for (const match of pattern.matchAll(PARAM)) {
    const name = match[1]!;
    if (params.includes(name)) {
      throw new InvalidOptionError('dependencies', `"${pattern}" repeats parameter {${name}}`);
    }
    params.push(name);
    source += `${escapeRegex(pattern.slice(last, match.index))}(.+?)`;
    last = match.index + match[0].length;
  }
  source += `${escapeRegex(pattern.slice(last))}$`;
  return { regex: new RegExp(source), params };
}

function fill(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(PARAM, (_, name: string) => values.get(name)!);
}

/**
 * Which keys depend on which, from a {@link DependencyMap}. Validated at construction:
 * dependents may only use parameters of their source pattern, and (unless
 * `allowCycles`) the patterns must not form a cycle.
 */
export class DependencyGraph {
  readonly #rules: Rule[] = [];
  readonly #maxDepth: number;

  /** Use {@link createDependencyGraph}. */
  constructor(map: DependencyMap, options: DependencyGraphOptions = {}) {
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      throw new InvalidOptionError('dependencies', 'expected an object of pattern -> patterns');
    }
    const maxDepth = options.maxDepth ?? 8;
    if (!Number.isInteger(maxDepth) || maxDepth < 1) {
      throw new InvalidOptionError('maxDepth', 'expected an integer >= 1');
    }
    this.#maxDepth = maxDepth;
    for (const [pattern, dependents] of Object.entries(map)) {
      if (!Array.isArray(dependents) || !dependents.every((d) => typeof d === 'string' && d)) {
        throw new InvalidOptionError('dependencies', `"${pattern}" must map to key patterns`);
      }
      const { regex, params } = compile(pattern);
      for (const dependent of dependents) {
        for (const match of dependent.matchAll(PARAM)) {
          if (!params.includes(match[1]!)) {
            throw new InvalidOptionError(
              'dependencies',
              `"${dependent}" uses {${match[1]}} which "${pattern}" does not define`,
            );
          }
        }
      }
      this.#rules.push({ pattern, regex, params, dependents });
    }
    if (!options.allowCycles) this.#assertAcyclic();
  }

  /** The configured depth limit. */
  get maxDepth(): number {
    return this.#maxDepth;
  }

  /**
   * Every key that depends on `key`, directly or transitively, nearest first, without
   * `key` itself and without repeats.
   * @throws DependencyDepthError when the cascade goes deeper than `maxDepth`.
   */
  dependents(key: string): string[] {
    const visited = new Set([key]);
    const out: string[] = [];
    let level = [key];
    for (let depth = 1; level.length > 0; depth++) {
      const next: string[] = [];
      for (const k of level) {
        for (const dep of this.#direct(k)) {
          if (visited.has(dep)) continue;
          if (depth > this.#maxDepth) throw new DependencyDepthError(key, this.#maxDepth);
          visited.add(dep);
          out.push(dep);
          next.push(dep);
        }
      }
      level = next;
    }
    return out;
  }

  /** Direct dependents of a concrete key (every rule whose pattern matches it). */
  #direct(key: string): string[] {
    const out: string[] = [];
    for (const rule of this.#rules) {
      const match = rule.regex.exec(key);
      if (!match) continue;
      const values = new Map(rule.params.map((p, i) => [p, match[i + 1]!] as const));
      for (const dependent of rule.dependents) out.push(fill(dependent, values));
    }
    return out;
  }

  /** Pattern-level cycle check: a dependent template that a source pattern matches is an edge. */
  #assertAcyclic(): void {
    const edges = new Map<string, string[]>();
    for (const rule of this.#rules) {
      const targets: string[] = [];
      for (const dependent of rule.dependents) {
        // Instantiate parameters with a marker so that literal parts decide the match.
        const sample = dependent.replace(PARAM, (_, name: string) => `\u0001${name}\u0001`);
        for (const other of this.#rules) if (other.regex.test(sample)) targets.push(other.pattern);
      }
      edges.set(rule.pattern, targets);
    }
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (p: string): void => {
      state.set(p, 'open');
      path.push(p);
      for (const q of edges.get(p) ?? []) {
        if (state.get(q) === 'open')
          throw new DependencyCycleError([...path.slice(path.indexOf(q)), q]);
        if (!state.has(q)) visit(q);
      }
      path.pop();
      state.set(p, 'done');
    };
    for (const rule of this.#rules) if (!state.has(rule.pattern)) visit(rule.pattern);
  }
}

/**
 * Builds a dependency graph from a map (see {@link DependencyMap}).
 * @throws InvalidOptionError for a malformed map, DependencyCycleError for a cycle.
 */
export function createDependencyGraph(
  map: DependencyMap,
  options?: DependencyGraphOptions,
): DependencyGraph {
  return new DependencyGraph(map, options);
}

/**
 * Reads a dependency map from a JSON file (an object of pattern -> array of patterns).
 * @throws InvalidOptionError when the file is not such JSON.
 */
export function loadDependencyMap(path: string): DependencyMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidOptionError('dependencies', `cannot read ${path}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidOptionError('dependencies', `${path} must hold a JSON object`);
  }
  return parsed as DependencyMap;
}

/**
 * Deletes `keys` and every key depending on them, in one `deleteMany` of the cache:
 * every tier here, and every other instance's L1 through the cache's bus (one message).
 * The whole set is computed first, so a too-deep cascade deletes nothing.
 * @returns the keys deleted (the given ones first, then their dependents).
 * @throws DependencyDepthError when the cascade goes deeper than the graph's `maxDepth`.
 */
export async function cascade(
  cache: Cache,
  graph: DependencyGraph,
  keys: string | readonly string[],
): Promise<string[]> {
  const roots = typeof keys === 'string' ? [keys] : [...keys];
  const all = new Set(roots);
  for (const key of roots) for (const dep of graph.dependents(key)) all.add(dep);
  const list = [...all];
  await cache.deleteMany(list);
  return list;
}
