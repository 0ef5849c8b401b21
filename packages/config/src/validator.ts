import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { getAt, pointerSegment } from './merge.js';
import { configSchema, type SchemaNode } from './schema.js';
import { childSchema, propertyNames } from './schema-walk.js';
import type { ConfigIssue } from './types.js';

let compiled: ValidateFunction | undefined;

/** The schema validator, compiled on first use and reused for every validation. */
export function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      discriminator: true,
      allowUnionTypes: true,
      strict: true,
    });
    ajv.addKeyword({ keyword: 'x-unit', schemaType: 'string' });
    compiled = ajv.compile(configSchema);
  }
  return compiled;
}

/** A schema violation in plain words, with what the corrections need to know. */
export interface SchemaIssue extends ConfigIssue {
  /** The JSON Schema keyword that failed (`minimum`, `required`, `additionalProperties`, ...). */
  readonly keyword: string;
  /** ajv's parameters of the failure. */
  readonly params: Record<string, unknown>;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'symbol') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value) ?? String(value);
    const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    return Array.isArray(value) ? `an array ${shown}` : shown;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function schemaAt(pointer: string, root: unknown): SchemaNode | undefined {
  let node: SchemaNode | undefined = configSchema;
  let parentPointer = '';
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    node = node ? childSchema(node, key, getAt(root, parentPointer)) : undefined;
    parentPointer += `/${segment}`;
  }
  return node;
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The nearest known option name, when one is close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function translate(error: ErrorObject, root: unknown): SchemaIssue | undefined {
  const params = error.params as Record<string, unknown>;
  const path = error.instancePath;
  const value = getAt(root, path);
  const base = { keyword: error.keyword, params };
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const where = `${path}/${pointerSegment(missing)}`;
      const hint = /^\/namespaces\/[^/]+$/.test(path)
        ? ' (or pass autoCorrect: true to fill it in from defaults.ttl)'
        : '';
      return { ...base, path: where, message: `is required${hint}`, value: undefined };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const node = schemaAt(path, root);
      const near = node ? suggest(key, propertyNames(node, getAt(root, path))) : undefined;
      const hint = near ? `; did you mean "${near}"?` : '';
      return {
        ...base,
        path: `${path}/${pointerSegment(key)}`,
        message: `is not a known option${hint}`,
        value: getAt(root, `${path}/${pointerSegment(key)}`),
      };
    }
    case 'type': {
      const types = ([] as unknown[])
        .concat(params.type)
        .map((t) => TYPE_WORDS[String(t)] ?? String(t));
      const node = schemaAt(path, root);
      const unit = node?.['x-unit'];
      const expected = unit
        ? unit === 'duration'
          ? 'a duration'
          : 'a byte size'
        : types.join(' or ');
      return { ...base, path, message: `must be ${expected}; got ${describe(value)}`, value };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { ...base, path, message: `must be one of ${allowed}; got ${describe(value)}`, value };
    }
    case 'minimum':
      return {
        ...base,
        path,
        message: `must be at least ${params.limit}; got ${describe(value)}`,
        value,
      };
    case 'maximum':
      return {
        ...base,
        path,
        message: `must be at most ${params.limit}; got ${describe(value)}`,
        value,
      };
    case 'exclusiveMaximum':
      return {
        ...base,
        path,
        message: `must be below ${params.limit}; got ${describe(value)}`,
        value,
      };
    case 'minLength':
      return { ...base, path, message: 'must not be empty', value };
    case 'pattern': {
      if (error.propertyName !== undefined) return undefined; // reported by propertyNames
      const form = path.endsWith('/url')
        ? 'a redis:// or rediss:// URL'
        : `text matching /${params.pattern}/`;
      return { ...base, path, message: `must be ${form}; got ${describe(value)}`, value };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      return {
        ...base,
        path: `${path}/${pointerSegment(name)}`,
        message: `"${name}" is not a valid name: use letters, digits, '_', '.', ':' or '-', starting with a letter or digit`,
        value: getAt(root, `${path}/${pointerSegment(name)}`),
      };
    }
    case 'discriminator':
      return {
        ...base,
        path: `${path}/${pointerSegment(String(params.tag))}`,
        message: `must be set to one of "none", "redis", "file"; got ${describe(params.tagValue)}`,
        value: params.tagValue,
      };
    case 'if':
    case 'oneOf':
    case 'const':
      return undefined; // the branch's own errors say more
    default:
      return { ...base, path, message: error.message ?? 'is invalid', value };
  }
}

/**
 * Validates `data` against the schema, filling in schema defaults in place, and returns
 * the violations in plain words (one per path and problem).
 */
export function checkSchema(data: unknown): SchemaIssue[] {
  const validate = schemaValidator();
  if (validate(data)) return [];
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const issue = translate(error, data);
    if (!issue) continue;
    // One problem per path: several branches may report the same one (a wrong type, a bad `kind`).
    const id = issue.path;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}
