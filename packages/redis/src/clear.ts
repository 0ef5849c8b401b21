import type { Cluster, Redis } from 'ioredis';
import type { Caller } from './caller.js';
import type { RedisKeyspace } from './keyspace.js';
import type { ScriptClient } from './scripts.js';

/** What {@link clearNamespace} needs from the store. */
export interface ClearContext {
  readonly client: Redis | Cluster;
  readonly scripts: ScriptClient;
  readonly keys: RedisKeyspace;
  readonly caller: Caller;
  readonly batchSize: number;
}

/**
 * Clears a namespace: sets the clear mark of every shard (invalidating every fence read
 * so far; one script per shard, sent together), SCANs the namespace on every master and
 * unlinks its entries in batches, then prunes its tag sets (members written while the
 * clear ran stay). Invalidation marks are left to expire: deleting them could let a write
 * racing the clear through. Each round trip has the command deadline.
 */
export async function clearNamespace(context: ClearContext, namespace: string): Promise<void> {
  const { client, scripts, keys, caller, batchSize } = context;
  const heads = keys.heads(namespace);
  await Promise.all(
    heads.map((head) =>
      caller.run(
        'clear',
        () => scripts.cachestackV1ClearMark(2, `${head}m:epoch`, `${head}m:clear`),
        undefined,
        true,
      ),
    ),
  );
  const pattern = keys.pattern(namespace);
  /** Tag sets found, by shard head. */
  const tagSets = new Map<string, string[]>();
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await caller.run('clear', () =>
        node.scan(cursor, 'MATCH', pattern, 'COUNT', batchSize),
      );
      cursor = next;
      const entries: string[] = [];
      for (const key of found) {
        // The pattern of a sharded layout may match other namespaces: keep ours only.
        const head = keys.headOf(namespace, key);
        if (head === undefined) continue;
        if (key.startsWith('k:', head.length)) entries.push(key);
        else if (key.startsWith('t:', head.length)) {
          const sets = tagSets.get(head);
          if (sets === undefined) tagSets.set(head, [key]);
          else sets.push(key);
        }
      }
      // One slot per UNLINK on Cluster: entries of a node may belong to several shards.
      const groups = client.isCluster
        ? bySlotHead(entries, (key) => keys.headOf(namespace, key)!)
        : [entries];
      for (const group of groups) {
        if (group.length === 0) continue;
        await caller.run('clear', () => node.unlink(group));
      }
    } while (cursor !== '0');
  }
  for (const [head, sets] of tagSets) {
    for (let i = 0; i < sets.length; i += batchSize) {
      const chunk = sets.slice(i, i + batchSize);
      await caller.run(
        'clear',
        () => scripts.cachestackV1PruneTags(chunk.length, ...chunk, head),
        undefined,
        true,
      );
    }
  }
}

/** Keys grouped by their shard head (one hash tag, so one slot, per group). */
function bySlotHead(keys: readonly string[], headOf: (key: string) => string): string[][] {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const head = headOf(key);
    const group = groups.get(head);
    if (group === undefined) groups.set(head, [key]);
    else group.push(key);
  }
  return [...groups.values()];
}
