import { isPlainObject } from './merge.js';
import type { SchemaNode } from './schema.js';

/** The schemas a value at this node may have to satisfy (branches of `oneOf`, `then`/`else`). */
export function branches(node: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [node];
  for (const branch of node.oneOf ?? []) out.push(branch);
  if (node.then) out.push(node.then);
  if (node.else) out.push(node.else);
  return out;
}

/**
 * The schema of property `key` of a value at `node`, choosing the `oneOf` branch by the
 * discriminator when `data` has one. `undefined` when the property is unknown.
 */
export function childSchema(node: SchemaNode, key: string, data?: unknown): SchemaNode | undefined {
  const discriminator = node.discriminator?.propertyName;
  if (discriminator && node.oneOf && isPlainObject(data)) {
    const tag = data[discriminator];
    const chosen = node.oneOf.find((b) => b.properties?.[discriminator]?.const === tag);
    if (chosen) return chosen.properties?.[key] ?? node.properties?.[key];
  }
  for (const candidate of branches(node)) {
    const property = candidate.properties?.[key];
    if (property) return property;
  }
  if (typeof node.additionalProperties === 'object') return node.additionalProperties;
  return undefined;
}

/**
 * Every property name a node may have (own and from its branches; only the branch
 * chosen by the discriminator when `data` has one).
 */
export function propertyNames(node: SchemaNode, data?: unknown): string[] {
  const names = new Set<string>();
  let candidates = branches(node);
  const discriminator = node.discriminator?.propertyName;
  if (discriminator && node.oneOf && isPlainObject(data)) {
    const chosen = node.oneOf.find(
      (b) => b.properties?.[discriminator]?.const === data[discriminator],
    );
    if (chosen) candidates = [node, chosen];
  }
  for (const candidate of candidates) {
    for (const name of Object.keys(candidate.properties ?? {})) names.add(name);
  }
  return [...names];
}

/** Whether values at this node may be objects. */
export function allowsObject(node: SchemaNode): boolean {
  return branches(node).some((b) =>
    Array.isArray(b.type)
      ? b.type.includes('object')
      : b.type === 'object' || b.properties !== undefined,
  );
}
