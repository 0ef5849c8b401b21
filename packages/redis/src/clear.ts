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
 * Clears a namespace: sets the clear mark (invalidating every fence read so far), SCANs
 * the namespace on every master and unlinks its entries in batches, then prunes its tag
 * sets (members written while the clear ran stay). Invalidation marks are left to
 * expire: deleting them could let a write racing the clear through. Each round trip has
 * the command deadline.
 */
export async function clearNamespace(context: ClearContext, namespace: string): Promise<void> {
  const { client, scripts, keys, caller, batchSize } = context;
  await caller.run(
    'clear',
    () => scripts.cachestackV1ClearMark(2, keys.epoch(namespace), keys.clearMark(namespace)),
    undefined,
    true,
  );
  const base = keys.base(namespace);
  const entryHead = `${base}k:`;
  const tagHead = `${base}t:`;
  const pattern = keys.pattern(namespace);
  const tagSets = new Set<string>();
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
        if (key.startsWith(entryHead)) entries.push(key);
        else if (key.startsWith(tagHead)) tagSets.add(key);
      }
      if (entries.length > 0) await caller.run('clear', () => node.unlink(entries));
    } while (cursor !== '0');
  }
  const sets = [...tagSets];
  for (let i = 0; i < sets.length; i += batchSize) {
    const chunk = sets.slice(i, i + batchSize);
    await caller.run(
      'clear',
      () => scripts.cachestackV1PruneTags(chunk.length, ...chunk, base),
      undefined,
      true,
    );
  }
}
