/** A JSON value as parsed from a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key, anything
 * else (arrays included) replaces. Returns a new value; `target` is not modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** One change between two documents, at a JSON pointer. */
export interface Change {
  readonly op: 'add' | 'remove' | 'replace';
  /** JSON pointer, e.g. `/namespaces/users/ttl`. */
  readonly path: string;
  /** The value before (absent for `add`). */
  readonly from?: Json;
  /** The value after (absent for `remove`). */
  readonly to?: Json;
}

const pointer = (path: string, key: string) =>
  `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** The changes that turn `before` into `after`, leaf by leaf (arrays compare whole). */
export function diffJson(before: unknown, after: unknown, path = ''): Change[] {
  if (isObject(before) && isObject(after)) {
    const changes: Change[] = [];
    for (const key of Object.keys(before)) {
      if (!(key in after))
        changes.push({ op: 'remove', path: pointer(path, key), from: before[key]! });
    }
    for (const [key, value] of Object.entries(after)) {
      if (!(key in before)) changes.push({ op: 'add', path: pointer(path, key), to: value });
      else changes.push(...diffJson(before[key], value, pointer(path, key)));
    }
    return changes;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ op: 'replace', path: path || '/', from: before as Json, to: after as Json }];
}
