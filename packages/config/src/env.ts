import { isCacheStackError, toBytes, toMs } from '@cachestack/core';
import { isPlainObject, mergeData, pointerSegment, setOwn } from './merge.js';
import { configSchema, type SchemaNode } from './schema.js';
import { allowsObject, branches, childSchema, propertyNames } from './schema-walk.js';
import type { ConfigIssue } from './types.js';
import { unitHint } from './units.js';
import { suggest } from './validator.js';

/** Prefix of the environment variables read by `loadConfig`. */
export const ENV_PREFIX = 'CACHESTACK__';

/** A map of environment variables, like `process.env`. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

const squash = (name: string): string => name.replace(/[-_.:]/g, '').toLowerCase();

/** The environment variable that sets the option at these path segments (`['l1', 'maxBytes']`). */
export function envName(segments: readonly string[]): string {
  return (
    ENV_PREFIX +
    segments
      .map((s) =>
        s
          .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
          .replace(/[-.:]/g, '_')
          .toUpperCase(),
      )
      .join('__')
  );
}

function types(node: SchemaNode): string[] {
  return branches(node).flatMap((b) =>
    b.type === undefined ? [] : ([] as string[]).concat(b.type),
  );
}

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

function coerce(raw: string, node: SchemaNode): Coerced {
  const text = raw.trim();
  const unit = node['x-unit'];
  if (unit) {
    try {
      return { ok: true, value: unit === 'duration' ? toMs('env', text) : toBytes('env', text) };
    } catch (error) {
      if (!isCacheStackError(error)) throw error;
      return { ok: false, message: `must be ${unitHint(unit)}` };
    }
  }
  const kinds = types(node);
  if (allowsObject(node) && text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) return { ok: true, value: parsed };
    } catch {
      // reported below
    }
    return { ok: false, message: 'must be a JSON object' };
  }
  if (kinds.includes('number') || kinds.includes('integer')) {
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
      return {
        ok: false,
        message: kinds.includes('integer') ? 'must be a whole number' : 'must be a number',
      };
    }
    return { ok: true, value: Number(text) };
  }
  if (kinds.includes('boolean')) {
    const lower = text.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return { ok: true, value: true };
    if (['false', '0', 'no', 'off'].includes(lower)) return { ok: true, value: false };
    return { ok: false, message: 'must be true or false (also 1/0, yes/no, on/off)' };
  }
  if (kinds.includes('string') || node.enum || node.const !== undefined)
    return { ok: true, value: text };
  if (allowsObject(node)) return { ok: false, message: 'must be a JSON object' };
  return { ok: true, value: text };
}

/** Result of reading the environment. */
export interface EnvInput {
  /** The options set by the environment, as a partial configuration. */
  readonly data: Record<string, unknown>;
  /** Values that could not be coerced. */
  readonly errors: ConfigIssue[];
  /** Variables that name no option (errors or warnings, depending on `unknownKeys`). */
  readonly unknown: ConfigIssue[];
}

/**
 * Turns `CACHESTACK__L1__MAX_BYTES=64mb`-style variables into a partial configuration.
 * Segments are matched to option names ignoring case and underscores; names of
 * namespaces and rate-limit rules match an existing name (from `base`) the same way,
 * or are taken lower-cased. Empty variables are ignored.
 */
export function readEnv(env: EnvSource, base: unknown): EnvInput {
  const errors: ConfigIssue[] = [];
  const unknown: ConfigIssue[] = [];
  let data: Record<string, unknown> = {};
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && (env[name] ?? '').trim() !== '')
    .sort((a, b) => a.split('__').length - b.split('__').length || a.localeCompare(b));
  for (const name of names) {
    const raw = env[name] ?? '';
    const segments = name.slice(ENV_PREFIX.length).split('__');
    let node: SchemaNode | undefined = configSchema;
    let baseNode: unknown = base;
    const keys: string[] = [];
    for (const segment of segments) {
      if (!node) break;
      const known = propertyNames(node).find((p) => squash(p) === squash(segment));
      let key = known;
      if (!key && typeof node.additionalProperties === 'object') {
        const existing = isPlainObject(baseNode) ? Object.keys(baseNode) : [];
        key = existing.find((k) => squash(k) === squash(segment)) ?? segment.toLowerCase();
      }
      if (!key) {
        const near = suggest(
          segment,
          propertyNames(node).map((p) => envName([p]).slice(ENV_PREFIX.length)),
        );
        keys.push(segment);
        unknown.push({
          path: keys.map((k) => `/${pointerSegment(k)}`).join(''),
          message: `environment variable ${name} does not name an option${near ? `; did you mean ${near}?` : ''}`,
          value: raw,
        });
        node = undefined;
        break;
      }
      keys.push(key);
      // Any branch's option is accepted here: the variables may change `kind` themselves.
      node = childSchema(node, key);
      baseNode = isPlainObject(baseNode) ? baseNode[key] : undefined;
    }
    if (!node) continue;
    const path = keys.map((k) => `/${pointerSegment(k)}`).join('');
    const result = coerce(raw, node);
    if (!result.ok) {
      errors.push({
        path,
        message: `environment variable ${name} ${result.message}; got ${JSON.stringify(raw)}`,
        value: raw,
      });
      continue;
    }
    let patch: unknown = result.value;
    for (let i = keys.length - 1; i >= 0; i--) {
      const wrapper: Record<string, unknown> = {};
      setOwn(wrapper, keys[i]!, patch);
      patch = wrapper;
    }
    data = mergeData(data, patch) as Record<string, unknown>;
  }
  return { data, errors, unknown };
}
