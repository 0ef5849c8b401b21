/**
 * Rough retained-size estimate of a value in bytes, for L1's byte bound. Walks objects
 * up to a depth and node budget; it is an estimate (V8 layouts vary), stable enough to
 * bound memory. Supply `l1.sizeOf` for exact accounting of your own types.
 */
export function estimateSize(value: unknown): number {
  const budget = { nodes: 10_000 };
  return sizeOf(value, 0, budget);
}

function sizeOf(value: unknown, depth: number, budget: { nodes: number }): number {
  if (--budget.nodes < 0) return 0;
  switch (typeof value) {
    case 'string':
      return 16 + value.length * 2;
    case 'number':
      return 8;
    case 'boolean':
    case 'undefined':
      return 4;
    case 'bigint':
      return 16 + Math.ceil(value.toString(16).length / 2);
    case 'object':
      break;
    default:
      return 8;
  }
  if (value === null) return 4;
  if (value instanceof Uint8Array) return 64 + value.byteLength;
  if (value instanceof Date) return 48;
  if (depth > 16) return 64;
  let total = 32;
  if (Array.isArray(value)) {
    total += value.length * 8;
    for (const item of value) total += sizeOf(item, depth + 1, budget);
    return total;
  }
  if (value instanceof Map) {
    for (const [k, v] of value)
      total += 16 + sizeOf(k, depth + 1, budget) + sizeOf(v, depth + 1, budget);
    return total;
  }
  if (value instanceof Set) {
    for (const v of value) total += 8 + sizeOf(v, depth + 1, budget);
    return total;
  }
  for (const key in value as object) {
    total +=
      8 + key.length * 2 + sizeOf((value as Record<string, unknown>)[key], depth + 1, budget);
  }
  return total;
}
