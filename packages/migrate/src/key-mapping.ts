import { InvalidOptionError } from '@cachestack/core';
import { InvalidPatternError } from './errors.js';

/**
 * How logical keys map to legacy keys.
 *
 * - A function: `(key) => legacyKey`, or `undefined` when the key has no legacy twin.
 * - A pattern map: `{ 'user:{id}': 'legacy:u:{id}' }`, logical pattern → legacy pattern.
 *   `{name}` placeholders match any non-empty text (with several, earlier ones match
 *   as little as possible); both sides must use the same placeholders. The first entry
 *   whose logical pattern matches wins. A pattern map also maps back (legacy → logical),
 *   which the batch migrator needs, and gives the `SCAN MATCH` globs of legacy keys.
 */
export type LegacyKeyMap = ((key: string) => string | undefined) | Readonly<Record<string, string>>;

/** A compiled {@link LegacyKeyMap}. */
export interface KeyMapping {
  /** The legacy key of a logical key, or `undefined` when it has none. */
  toLegacy(key: string): string | undefined;
  /** The logical key of a legacy key, or `undefined` (always, for a function map). */
  toKey(legacyKey: string): string | undefined;
  /** `SCAN MATCH` globs covering every legacy key of the map (empty for a function map). */
  readonly globs: readonly string[];
  /** The legacy-side patterns, in the order of {@link KeyMapping.globs}. */
  readonly legacyPatterns: readonly string[];
}

const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const REGEX_META_RE = /[.*+?^${}()|[\]\\]/g;
const GLOB_META_RE = /[*?[\]\\]/g;

interface Template {
  readonly source: string;
  readonly names: readonly string[];
  readonly regex: RegExp;
  readonly glob: string;
  fill(values: ReadonlyMap<string, string>): string;
}

function compileTemplate(source: string): Template {
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidPatternError(String(source), 'must be a non-empty string');
  }
  const names: string[] = [];
  const literals: string[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER_RE)) {
    const name = match[1]!;
    if (names.includes(name)) {
      throw new InvalidPatternError(source, `placeholder {${name}} appears twice`);
    }
    if (match.index === last && names.length > 0) {
      // Two adjacent placeholders cannot be split unambiguously.
      throw new InvalidPatternError(source, 'placeholders must be separated by literal text');
    }
    literals.push(source.slice(last, match.index));
    names.push(name);
    last = match.index + match[0].length;
  }
  literals.push(source.slice(last));
  let regex = '^';
  let glob = '';
  literals.forEach((literal, i) => {
    regex += literal.replace(REGEX_META_RE, '\\$&');
    glob += literal.replace(GLOB_META_RE, '\\$&');
    if (i < names.length) {
      regex += '(.+?)';
      glob += '*';
    }
  });
  return {
    source,
    names,
    regex: new RegExp(`${regex}$`, 's'),
    glob,
    fill(values) {
      let out = literals[0]!;
      names.forEach((name, i) => {
        out += values.get(name)! + literals[i + 1]!;
      });
      return out;
    },
  };
}

function capture(template: Template, text: string): Map<string, string> | undefined {
  const match = template.regex.exec(text);
  if (!match) return undefined;
  const values = new Map<string, string>();
  template.names.forEach((name, i) => {
    values.set(name, match[i + 1]!);
  });
  return values;
}

/**
 * Compiles a legacy key map.
 * @throws InvalidPatternError when a pattern map is malformed
 * @throws InvalidOptionError when `map` is neither a function nor an object
 */
export function compileKeyMap(map: LegacyKeyMap): KeyMapping {
  if (typeof map === 'function') {
    return {
      toLegacy(key) {
        const legacy = map(key);
        if (legacy !== undefined && (typeof legacy !== 'string' || legacy.length === 0)) {
          throw new InvalidOptionError('legacy', `returned ${typeof legacy} for key "${key}"`);
        }
        return legacy;
      },
      toKey: () => undefined,
      globs: [],
      legacyPatterns: [],
    };
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new InvalidOptionError('legacy', 'must be a function or a pattern map object');
  }
  const pairs = Object.entries(map).map(([logical, legacy]) => {
    const from = compileTemplate(logical);
    const to = compileTemplate(legacy);
    const a = [...from.names].sort().join(',');
    const b = [...to.names].sort().join(',');
    if (a !== b) {
      throw new InvalidPatternError(
        `${logical} -> ${legacy}`,
        'both sides must use the same placeholders',
      );
    }
    return { from, to };
  });
  if (pairs.length === 0) throw new InvalidOptionError('legacy', 'pattern map is empty');
  return {
    toLegacy(key) {
      for (const { from, to } of pairs) {
        const values = capture(from, key);
        if (values) return to.fill(values);
      }
      return undefined;
    },
    toKey(legacyKey) {
      for (const { from, to } of pairs) {
        const values = capture(to, legacyKey);
        if (values) return from.fill(values);
      }
      return undefined;
    },
    globs: pairs.map((p) => p.to.glob),
    legacyPatterns: pairs.map((p) => p.to.source),
  };
}
