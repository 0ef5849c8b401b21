import { InvalidOptionError } from '@cachestack/core';

const PREFIX_RE = /^[A-Za-z0-9_.-]+$/;
const GLOB_RE = /[*?[\]\\^]/g;

/**
 * The Redis key names a store uses under one prefix. Every key of a namespace carries
 * the hash tag `{namespace}`, so a namespace lives in one Cluster slot and multi-key
 * scripts work on Cluster.
 *
 * | key | holds |
 * | --- | --- |
 * | `${prefix}:{${ns}}:k:${key}` | the entry's bytes (string, PX ttl) |
 * | `${prefix}:{${ns}}:t:${tag}` | members (keys) carrying the tag (set) |
 * | `${prefix}:{${ns}}:m:epoch` | the namespace's invalidation counter (no expiry) |
 * | `${prefix}:{${ns}}:m:clear` | epoch of the last `clear` (no expiry) |
 * | `${prefix}:{${ns}}:i:${key}` | epoch of the key's last invalidation (PX fenceTtlMs) |
 * | `${prefix}:{${ns}}:ti:${tag}` | epoch of the tag's last invalidation (PX fenceTtlMs) |
 */
export interface RedisKeyspace {
  /** The validated prefix. */
  readonly prefix: string;
  /** `${prefix}:{${ns}}:`, the head of every key of the namespace. */
  base(namespace: string): string;
  /** Key holding an entry's bytes. */
  entry(namespace: string, key: string): string;
  /** Set of the keys carrying a tag. */
  tagSet(namespace: string, tag: string): string;
  /** Invalidation mark of a key. */
  keyMark(namespace: string, key: string): string;
  /** Invalidation mark of a tag. */
  tagMark(namespace: string, tag: string): string;
  /** The namespace's epoch counter. */
  epoch(namespace: string): string;
  /** Epoch of the namespace's last clear. */
  clearMark(namespace: string): string;
  /** `SCAN MATCH` pattern of every key of the namespace (glob characters escaped). */
  pattern(namespace: string): string;
}

/**
 * Validates a key prefix (letters, digits, `_`, `-`, `.`).
 * @throws InvalidOptionError
 */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix)) {
    throw new InvalidOptionError(
      'prefix',
      'must be a non-empty string of letters, digits, "_", "-" and "."',
    );
  }
}

/**
 * The key names used by a Redis store with this prefix; for tools that inspect or
 * migrate a store's keys. Namespaces are not validated here.
 * @throws InvalidOptionError when the prefix is invalid.
 */
export function redisKeyspace(prefix: string): RedisKeyspace {
  assertPrefix(prefix);
  const base = (ns: string) => `${prefix}:{${ns}}:`;
  return {
    prefix,
    base,
    entry: (ns, key) => `${prefix}:{${ns}}:k:${key}`,
    tagSet: (ns, tag) => `${prefix}:{${ns}}:t:${tag}`,
    keyMark: (ns, key) => `${prefix}:{${ns}}:i:${key}`,
    tagMark: (ns, tag) => `${prefix}:{${ns}}:ti:${tag}`,
    epoch: (ns) => `${prefix}:{${ns}}:m:epoch`,
    clearMark: (ns) => `${prefix}:{${ns}}:m:clear`,
    pattern: (ns) => `${base(ns).replace(GLOB_RE, (c) => `\\${c}`)}*`,
  };
}
