import { isCacheStackError, toBytes, toMs } from '@cachestack/core';
import { isPlainObject, pointerSegment, setOwn } from './merge.js';
import type { SchemaNode } from './schema.js';
import { childSchema } from './schema-walk.js';
import type { ConfigIssue } from './types.js';

/** What a unit field accepts, in words, for error messages. */
export function unitHint(unit: 'duration' | 'bytes'): string {
  return unit === 'duration'
    ? "a duration: milliseconds, or a string such as '250ms', '5s', '5m', '1h', '1d'"
    : "a byte size: bytes, or a string such as '512kb', '64mb', '1gb'";
}

/**
 * Converts, in place, every string written where the schema expects a duration or a
 * byte size into milliseconds or bytes. Unparsable strings are reported and left as
 * they are (validation then reports nothing more for them).
 */
export function normalizeUnits(
  data: unknown,
  node: SchemaNode,
  pointer = '',
  issues: ConfigIssue[] = [],
): ConfigIssue[] {
  if (!isPlainObject(data)) return issues;
  for (const [key, value] of Object.entries(data)) {
    const child = childSchema(node, key, data);
    if (!child) continue;
    const path = `${pointer}/${pointerSegment(key)}`;
    const unit = child['x-unit'];
    if (unit && typeof value === 'string') {
      try {
        setOwn(data, key, unit === 'duration' ? toMs(path, value) : toBytes(path, value));
      } catch (error) {
        if (!isCacheStackError(error)) throw error;
        issues.push({
          path,
          message: `must be ${unitHint(unit)}; got ${JSON.stringify(value)}`,
          value,
        });
      }
    } else if (isPlainObject(value)) {
      normalizeUnits(value, child, path, issues);
    }
  }
  return issues;
}
