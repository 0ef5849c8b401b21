/**
 * Batches of a sharded store, split by shard: each shard is one hash tag, so one
 * Cluster slot, and gets one MGET or one script.
 */

/** The positions of `items` per shard, in order of first appearance. */
export function groupByShard<T>(
  items: readonly T[],
  shardOf: (item: T) => number,
): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < items.length; i++) {
    const shard = shardOf(items[i]!);
    const group = groups.get(shard);
    if (group === undefined) groups.set(shard, [i]);
    else group.push(i);
  }
  return groups;
}

/**
 * Runs `run` for every group at once (the commands leave in one write per connection,
 * i.e. pipelined) and puts each group's results back at the group's positions.
 */
export async function scatter<R>(
  total: number,
  groups: Map<number, number[]>,
  run: (shard: number, positions: number[]) => Promise<readonly R[]>,
): Promise<R[]> {
  const out = new Array<R>(total);
  await Promise.all(
    [...groups].map(async ([shard, positions]) => {
      const results = await run(shard, positions);
      for (let j = 0; j < positions.length; j++) out[positions[j]!] = results[j]!;
    }),
  );
  return out;
}
