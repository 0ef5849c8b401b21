import { InvalidOptionError } from '@cachestack/core';
import { CLUSTER_SLOTS, clusterSlot } from '@cachestack/core/kit';

const PREFIX_RE = /^[A-Za-z0-9_.-]+$/;
const GLOB_RE = /[*?[\]\\^]/g;

/** The most hash-tag shards a namespace may be spread over. */
export const MAX_SHARDS = 1024;

/**
 * The Redis key names a store uses under one prefix. Every key of a namespace shard
 * carries that shard's hash tag, so a shard lives in one Cluster slot and each
 * write or invalidation script touches one slot.
 *
 * With one shard (`shards: 1`, the default on a standalone client) the head of every
 * key of namespace `ns` is `${prefix}:{${ns}}:`. With `shards: N > 1` a key goes to
 * shard `fnv1a(key) mod N`, whose head is `${prefix}:s{${ns}|${tag}}:` (the `s` outside
 * the braces tells the layouts apart, since a namespace may contain `|`). `tag` is a
 * number chosen per shard (see {@link placeShards}) so that the N shards of a namespace
 * fall in N evenly spaced ranges of the 16384 Cluster slots, hence spread over the
 * masters as evenly as the slots are.
 * Under a head:
 *
 * | key | holds |
 * | --- | --- |
 * | `${head}k:${key}` | the entry's bytes (string, PX ttl) |
 * | `${head}t:${tag}` | members (keys) of this shard carrying the tag (set) |
 * | `${head}m:epoch` | the shard's invalidation counter (no expiry) |
 * | `${head}m:clear` | epoch of the shard's last `clear` (no expiry) |
 * | `${head}i:${key}` | epoch of the key's last invalidation (PX fenceTtlMs) |
 * | `${head}ti:${tag}` | epoch of the tag's last invalidation in this shard (PX fenceTtlMs) |
 */
export interface RedisKeyspace {
  /** The validated prefix. */
  readonly prefix: string;
  /** How many hash-tag shards a namespace is spread over. */
  readonly shards: number;
  /** The shard holding `key` (0 with one shard). */
  shardOf(key: string): number;
  /** The head of every key of one shard of the namespace. */
  base(namespace: string, shard?: number): string;
  /** The heads of every shard of the namespace, by shard. */
  heads(namespace: string): string[];
  /** Key holding an entry's bytes. */
  entry(namespace: string, key: string): string;
  /** Set of the keys of one shard carrying a tag. */
  tagSet(namespace: string, tag: string, shard?: number): string;
  /** Invalidation mark of a key. */
  keyMark(namespace: string, key: string): string;
  /** Invalidation mark of a tag in one shard. */
  tagMark(namespace: string, tag: string, shard?: number): string;
  /** The epoch counter of one shard of the namespace. */
  epoch(namespace: string, shard?: number): string;
  /** Epoch of the last clear of one shard of the namespace. */
  clearMark(namespace: string, shard?: number): string;
  /**
   * `SCAN MATCH` pattern covering every key of the namespace (glob characters escaped).
   * With shards it may match keys of other namespaces too: filter with {@link RedisKeyspace.headOf}.
   */
  pattern(namespace: string): string;
  /** The shard head a key found by SCAN belongs to, when it is one of the namespace's. */
  headOf(namespace: string, redisKey: string): string | undefined;
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
 * Validates a shard count (an integer from 1 to {@link MAX_SHARDS}).
 * @throws InvalidOptionError
 */
export function assertShards(shards: unknown): asserts shards is number {
  if (
    typeof shards !== 'number' ||
    !Number.isInteger(shards) ||
    shards < 1 ||
    shards > MAX_SHARDS
  ) {
    throw new InvalidOptionError('shards', `must be an integer between 1 and ${MAX_SHARDS}`);
  }
}

/** 32-bit FNV-1a of the UTF-16 code units: cheap, stable and well spread. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The tag numbers of a namespace's shards: shard `s` gets the smallest number `n` (not
 * taken by another shard) whose hash tag `${ns}|${n}` falls in the slot range
 * `[s, s + 1) × 16384 / shards`, so the shards sit evenly over the slot space instead of
 * where chance puts them (16 random slots over 3 masters often give one master half).
 * Deterministic: every process computes the same numbers.
 */
export function placeShards(namespace: string, shards: number): number[] {
  const tags = new Array<number>(shards).fill(-1);
  let placed = 0;
  const limit = shards * 64;
  let n = 0;
  for (; placed < shards && n < limit; n++) {
    const shard = Math.floor((clusterSlot(`${namespace}|${n}`) * shards) / CLUSTER_SLOTS);
    if (tags[shard] === -1) {
      tags[shard] = n;
      placed++;
    }
  }
  // Practically unreachable (a range missed 64 × shards times): fill in the next numbers.
  for (let shard = 0; placed < shards; shard++) {
    if (tags[shard] === -1) {
      tags[shard] = n++;
      placed++;
    }
  }
  return tags;
}

/**
 * The key names used by a Redis store with this prefix and shard count; for tools
 * that inspect or migrate a store's keys. Namespaces are not validated here.
 * @param options.shards - hash-tag shards per namespace; must match the store's. @defaultValue 1
 * @throws InvalidOptionError when the prefix or the shard count is invalid.
 */
export function redisKeyspace(
  prefix: string,
  options: { readonly shards?: number | undefined } = {},
): RedisKeyspace {
  assertPrefix(prefix);
  const shards = options.shards ?? 1;
  assertShards(shards);
  const sharded = shards > 1;
  const shardOf = sharded ? (key: string) => fnv1a(key) % shards : () => 0;
  /** Shard heads per namespace (bounded cache: placing costs a few hundred CRC16s). */
  const placed = new Map<string, string[]>();
  const headsOf = (ns: string): string[] => {
    let heads = placed.get(ns);
    if (heads === undefined) {
      heads = placeShards(ns, shards).map((tag) => `${prefix}:s{${ns}|${tag}}:`);
      if (placed.size >= 10_000) placed.clear();
      placed.set(ns, heads);
    }
    return heads;
  };
  const base = sharded
    ? (ns: string, shard = 0) => headsOf(ns)[shard]!
    : (ns: string) => `${prefix}:{${ns}}:`;
  const escapeGlob = (text: string) => text.replace(GLOB_RE, (c) => `\\${c}`);
  const shardHead = /^(0|[1-9][0-9]*)\}:/;
  return {
    prefix,
    shards,
    shardOf,
    base,
    heads: sharded ? (ns) => [...headsOf(ns)] : (ns) => [base(ns)],
    entry: (ns, key) => `${base(ns, shardOf(key))}k:${key}`,
    tagSet: (ns, tag, shard = 0) => `${base(ns, shard)}t:${tag}`,
    keyMark: (ns, key) => `${base(ns, shardOf(key))}i:${key}`,
    tagMark: (ns, tag, shard = 0) => `${base(ns, shard)}ti:${tag}`,
    epoch: (ns, shard = 0) => `${base(ns, shard)}m:epoch`,
    clearMark: (ns, shard = 0) => `${base(ns, shard)}m:clear`,
    pattern: sharded
      ? (ns) => `${escapeGlob(`${prefix}:s{${ns}|`)}*`
      : (ns) => `${escapeGlob(base(ns))}*`,
    headOf: sharded
      ? (ns, redisKey) => {
          const open = `${prefix}:s{${ns}|`;
          if (!redisKey.startsWith(open)) return undefined;
          const match = shardHead.exec(redisKey.slice(open.length));
          if (match === null) return undefined;
          const head = `${open}${match[0]}`;
          return headsOf(ns).includes(head) ? head : undefined;
        }
      : (ns, redisKey) => {
          const head = base(ns);
          return redisKey.startsWith(head) ? head : undefined;
        },
  };
}
