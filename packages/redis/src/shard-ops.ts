/**
 * The operations of a store whose namespace is spread over shards (see
 * {@link RedisKeyspace}): each runs one command or script per shard it concerns, all
 * sent at once, each on one hash tag (one Cluster slot).
 */
import type { FencedReadMany, RemoteEntry, WriteOutcome } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import type { Caller } from './caller.js';
import type { RedisKeyspace } from './keyspace.js';
import { type Arg, type ScriptClient, writeArgs } from './scripts.js';
import { groupByShard, scatter } from './shard-groups.js';
import { formatShardedFence, type ParsedFence } from './validate.js';

/** What the shard operations need from the store. */
export interface ShardContext {
  readonly client: Redis | Cluster;
  readonly scripts: ScriptClient;
  readonly keys: RedisKeyspace;
  readonly caller: Caller;
  readonly fenceTtlMs: number;
  /** Whether batches must be split by slot (a sharded store on Cluster). */
  readonly splitBySlot: boolean;
}

/** Replaces MGET's nulls by `undefined`, in place (the array is ours). */
export function nullsToUndefined(values: (Buffer | null)[]): (Buffer | undefined)[] {
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) (values as (Buffer | undefined | null)[])[i] = undefined;
  }
  return values as (Buffer | undefined)[];
}

/**
 * The epoch a conditional write to `shard` is checked against. A fence read from another
 * shard (its epochs are not comparable) counts as epoch 0: the write is then skipped when
 * any live mark of that shard covers the key, its tags, or a clear — never unsafe, at
 * worst a skipped write.
 */
export function epochFor(fence: ParsedFence, shard: number): string {
  return fence.epochs.get(shard) ?? '0';
}

function outcomes(flags: number[]): WriteOutcome[] {
  return flags.map((flag) => (flag === 1 ? 'written' : 'fenced'));
}

/**
 * Stores entries of one namespace: one write script per shard touched (in parallel),
 * conditional on `fence` when given (see {@link epochFor}); outcomes in entry order.
 */
export function writeEntries(
  context: ShardContext,
  heads: readonly string[],
  entries: readonly RemoteEntry[],
  fence: ParsedFence | undefined,
): Promise<WriteOutcome[]> {
  const write = (shard: number, group: readonly RemoteEntry[]): Promise<WriteOutcome[]> => {
    const epoch = fence === undefined ? undefined : epochFor(fence, shard);
    const args = writeArgs(heads[shard]!, group, epoch, context.fenceTtlMs);
    return context.caller.run(
      'setMany',
      () => context.scripts.cachestackV1Write(...(args as [number, ...Arg[]])),
      outcomes,
      true,
    );
  };
  if (heads.length === 1) return write(0, entries);
  const groups = groupByShard(entries, (entry) => context.keys.shardOf(entry.key));
  return scatter(entries.length, groups, (shard, positions) =>
    write(
      shard,
      positions.map((i) => entries[i]!),
    ),
  );
}

const sum = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

/**
 * Fenced read of a sharded store: each shard's epoch rides with that shard's keys, in
 * one MGET per shard on Cluster, in one MGET for all on a standalone server.
 */
export async function shardedFencedRead(
  context: ShardContext,
  heads: readonly string[],
  keys: readonly string[],
  readAtMs: number,
): Promise<FencedReadMany> {
  const { caller, client } = context;
  const shardOf = context.keys.shardOf;
  const groups = groupByShard(keys, shardOf);
  const epochs = new Map<number, Buffer | null>();
  /** MGET of the entries at `positions` plus the epochs of `shards`. */
  const mget = (positions: readonly number[], shards: readonly number[]) => {
    const args = positions.map((i) => `${heads[shardOf(keys[i]!)]}k:${keys[i]}`);
    for (const shard of shards) args.push(`${heads[shard]}m:epoch`);
    return caller.run(
      'getManyWithFence',
      () => client.mgetBuffer(args),
      (values) => {
        const read = values.splice(positions.length);
        for (let j = 0; j < shards.length; j++) epochs.set(shards[j]!, read[j]!);
        return nullsToUndefined(values);
      },
    );
  };
  const values = context.splitBySlot
    ? await scatter(keys.length, groups, (shard, positions) => mget(positions, [shard]))
    : await mget(
        keys.map((_, i) => i),
        [...groups.keys()],
      );
  return { values, fence: formatShardedFence(epochs, readAtMs) };
}

/** Marks and unlinks keys: one delete script per shard touched; resolves how many existed. */
export function deleteKeys(
  context: ShardContext,
  heads: readonly string[],
  keys: readonly string[],
): Promise<number> {
  const remove = (shard: number, group: readonly string[]): Promise<number> => {
    const base = heads[shard]!;
    const args: Arg[] = [1 + 2 * group.length, `${base}m:epoch`];
    for (const key of group) args.push(`${base}i:${key}`, `${base}k:${key}`);
    args.push(context.fenceTtlMs);
    return context.caller.run(
      'delete',
      () => context.scripts.cachestackV1Delete(...(args as [number])),
      undefined,
      true,
    );
  };
  if (heads.length === 1) return remove(0, keys);
  const groups = groupByShard(keys, context.keys.shardOf);
  return Promise.all(
    [...groups].map(([shard, positions]) =>
      remove(
        shard,
        positions.map((i) => keys[i]!),
      ),
    ),
  ).then(sum);
}

/**
 * Marks the tags and their member keys, unlinks the members and the tag sets: one
 * script per shard, all shards at once (each shard is atomic on its own, and a write
 * touches one shard, so no write slips between a shard's marks and its deletions).
 * Resolves how many entries existed.
 */
export function deleteTags(
  context: ShardContext,
  heads: readonly string[],
  tags: readonly string[],
): Promise<number> {
  return Promise.all(
    heads.map((base) => {
      const args: Arg[] = [1 + 2 * tags.length, `${base}m:epoch`];
      for (const tag of tags) args.push(`${base}ti:${tag}`, `${base}t:${tag}`);
      args.push(context.fenceTtlMs, base);
      return context.caller.run(
        'deleteByTag',
        () => context.scripts.cachestackV1DeleteTags(...(args as [number])),
        undefined,
        true,
      );
    }),
  ).then(sum);
}
