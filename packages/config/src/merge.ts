/** Plain-object test: JSON objects, not arrays, dates or class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own property, even `__proto__`, so that it is validated (and rejected) like any key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Thrown by {@link cloneData} for a value that contains itself. */
export class CircularDataError extends Error {}

/** Deep copy of JSON-like data (plain objects and arrays; other values are kept). */
export function cloneData<T>(value: T, seen: Set<object> = new Set()): T {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) throw new CircularDataError('circular reference');
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((child) => cloneData(child, seen));
  } else {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) setOwn(copy, key, cloneData(child, seen));
    out = copy;
  }
  seen.delete(value);
  return out as T;
}

/**
 * Merges `over` onto `base`, returning a new value. Plain objects merge key by key;
 * anything else replaces. Two objects with different `kind` (the L2 choice) replace
 * rather than merge, so that switching `redis` to `file` does not keep Redis options.
 */
export function mergeData(base: unknown, over: unknown): unknown {
  if (over === undefined) return cloneData(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return cloneData(over);
  if ('kind' in base && 'kind' in over && base.kind !== over.kind) return cloneData(over);
  const out = cloneData(base);
  for (const [key, child] of Object.entries(over)) {
    if (child === undefined) continue;
    setOwn(out, key, mergeData(Object.hasOwn(out, key) ? out[key] : undefined, child));
  }
  return out;
}

/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Escapes one JSON Pointer segment (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Joins segments into a JSON Pointer. */
export function toPointer(segments: readonly string[]): string {
  return segments.map((s) => `/${pointerSegment(s)}`).join('');
}

/** Splits a JSON Pointer into segments. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Reads the value at a JSON Pointer, or `undefined`. */
export function getAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of fromPointer(pointer)) {
    if (!isPlainObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

/** Writes (or, with `undefined`, deletes) the value at a JSON Pointer; parents must exist. */
export function setAt(root: unknown, pointer: string, value: unknown): void {
  const segments = fromPointer(pointer);
  const last = segments.pop();
  if (last === undefined) return;
  const parent = getAt(root, toPointer(segments));
  if (!isPlainObject(parent)) return;
  if (value === undefined) delete parent[last];
  else setOwn(parent, last, value);
}

/** JSON Pointers of the values that are objects but neither plain objects nor arrays (Map, Date, ...). */
export function nonPlainObjects(
  value: unknown,
  pointer = '',
  out: Array<[string, string]> = [],
): Array<[string, string]> {
  if (Array.isArray(value)) {
    for (const [i, child] of value.entries()) nonPlainObjects(child, `${pointer}/${i}`, out);
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value))
      nonPlainObjects(child, `${pointer}/${pointerSegment(key)}`, out);
  } else if (typeof value === 'object' && value !== null) {
    out.push([pointer, value.constructor?.name ?? 'object']);
  }
  return out;
}
