import { InvalidOptionError } from '@cachestack/core';
import type { Redis } from 'ioredis';
import { LegacyStoreError } from './errors.js';
import { compileKeyMap, type LegacyKeyMap } from './key-mapping.js';
import { assertClient, isCluster, type RedisClient } from './legacy-store.js';

/** One server to SCAN: the standalone server, or one Cluster master. */
export interface ScanNode {
  /** `standalone`, or `host:port` of the master. */
  readonly id: string;
  readonly client: Redis;
}

/**
 * The servers whose keyspaces together hold every key: the client itself, or every
 * master of a Cluster (SCAN on a Cluster client only visits one node).
 */
export function scanNodes(client: RedisClient): ScanNode[] {
  if (!isCluster(client)) return [{ id: 'standalone', client }];
  const nodes = client.nodes('master').map((node) => ({
    id: `${node.options.host ?? 'localhost'}:${node.options.port ?? 6379}`,
    client: node,
  }));
  if (nodes.length === 0) {
    throw new LegacyStoreError(
      'the Cluster client knows no master yet; wait for its "ready" event',
    );
  }
  return nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One `SCAN cursor MATCH glob COUNT count` call. @throws LegacyStoreError */
export async function scanPage(
  node: ScanNode,
  cursor: string,
  glob: string,
  count: number,
): Promise<{ cursor: string; keys: string[] }> {
  try {
    const [next, keys] = await node.client.scan(cursor, 'MATCH', glob, 'COUNT', count);
    return { cursor: next, keys };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LegacyStoreError(`SCAN on ${node.id} failed: ${message}`, undefined, {
      cause: error,
    });
  }
}

/** Options of {@link countLegacyKeys}. */
export interface CountLegacyKeysOptions {
  /** ioredis client (`Redis` or `Cluster`) holding the legacy keys. */
  readonly client: RedisClient;
  /** A pattern map (its legacy side is scanned) or `SCAN MATCH` globs. */
  readonly legacy: Readonly<Record<string, string>> | readonly string[];
  /**
   * `SCAN COUNT` hint per call.
   * @defaultValue 1000
   */
  readonly count?: number | undefined;
}

/** Remaining legacy keys, by glob and by server. */
export interface LegacyKeyCount {
  /** Sum over globs (a key matching two globs counts twice). */
  readonly total: number;
  /** Keys per `SCAN MATCH` glob. */
  readonly byGlob: Readonly<Record<string, number>>;
  /** Keys per server (`standalone` or `host:port` of each Cluster master). */
  readonly byNode: Readonly<Record<string, number>>;
}

/** The `SCAN MATCH` globs of a pattern map, or the globs given. */
export function globsOf(legacy: Readonly<Record<string, string>> | readonly string[]): string[] {
  if (Array.isArray(legacy)) {
    if (legacy.length === 0 || legacy.some((g) => typeof g !== 'string' || g.length === 0)) {
      throw new InvalidOptionError('legacy', 'globs must be non-empty strings');
    }
    return [...legacy];
  }
  return [...compileKeyMap(legacy as LegacyKeyMap).globs];
}

/**
 * Counts the legacy keys still present, with `SCAN MATCH glob COUNT count` on the
 * server (every master of a Cluster). A progress gauge for the switch-over: when it
 * reaches zero the legacy keyspace is gone. SCAN may return a key twice while the server
 * resizes its table, so the figure can slightly overcount, never undercount.
 * @throws LegacyStoreError
 */
export async function countLegacyKeys(options: CountLegacyKeysOptions): Promise<LegacyKeyCount> {
  assertClient(options.client);
  const count = options.count ?? 1000;
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidOptionError('count', 'must be an integer >= 1');
  }
  const globs = globsOf(options.legacy);
  const byGlob: Record<string, number> = {};
  const byNode: Record<string, number> = {};
  let total = 0;
  for (const node of scanNodes(options.client)) {
    for (const glob of globs) {
      let cursor = '0';
      do {
        const page = await scanPage(node, cursor, glob, count);
        cursor = page.cursor;
        byGlob[glob] = (byGlob[glob] ?? 0) + page.keys.length;
        byNode[node.id] = (byNode[node.id] ?? 0) + page.keys.length;
        total += page.keys.length;
      } while (cursor !== '0');
    }
  }
  return { total, byGlob, byNode };
}
