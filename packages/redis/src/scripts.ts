import type { RemoteEntry } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { toBuffer } from './validate.js';

/**
 * Lua scripts of the store, registered with ioredis `defineCommand` (EVALSHA with a
 * NOSCRIPT fallback). Every key a script touches is in the namespace's hash tag, so
 * each script runs on one Cluster slot. Fencing model: every invalidation increments
 * the namespace epoch E and stamps E on what it invalidates (key mark, tag mark, clear
 * mark); a fence is the epoch read with the value; a conditional write is skipped when
 * a relevant mark is greater than its fence. Conditional writes never bump the epoch.
 */

/**
 * Writes entries. KEYS: epoch, clear mark, then per entry: entry, key mark, n tag marks,
 * n tag sets. ARGV: fence ('' = unconditional), fenceTtlMs, entry count, then per entry:
 * n, ttlMs, value, member. Returns 1 (written) or 0 (fenced) per entry.
 */
const WRITE = `
local fence = ARGV[1]
local conditional = fence ~= ''
local count = tonumber(ARGV[3])
local out = {}
local epoch = 0
local cleared = false
if conditional then
  fence = tonumber(fence)
  local c = redis.call('GET', KEYS[2])
  cleared = c ~= false and tonumber(c) > fence
else
  epoch = redis.call('INCR', KEYS[1])
end
local k, a = 3, 4
for i = 1, count do
  local n = tonumber(ARGV[a])
  local ttl = tonumber(ARGV[a + 1])
  local ok = true
  if conditional then
    ok = not cleared
    if ok then
      local m = redis.call('GET', KEYS[k + 1])
      if m and tonumber(m) > fence then ok = false end
    end
    if ok then
      for t = 1, n do
        local m = redis.call('GET', KEYS[k + 1 + t])
        if m and tonumber(m) > fence then ok = false break end
      end
    end
  else
    redis.call('SET', KEYS[k + 1], epoch, 'PX', ARGV[2])
  end
  if ok then
    redis.call('SET', KEYS[k], ARGV[a + 2], 'PX', ttl)
    for t = 1, n do
      local s = KEYS[k + 1 + n + t]
      redis.call('SADD', s, ARGV[a + 3])
      if redis.call('PTTL', s) < ttl then redis.call('PEXPIRE', s, ttl) end
    end
    out[i] = 1
  else
    out[i] = 0
  end
  k = k + 2 + 2 * n
  a = a + 4
end
return out
`;

/**
 * Deletes keys. KEYS: epoch, then pairs of key mark and entry. ARGV: fenceTtlMs.
 * Returns how many entries existed.
 */
const DELETE = `
local e = redis.call('INCR', KEYS[1])
local n = 0
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], e, 'PX', ARGV[1])
  n = n + redis.call('UNLINK', KEYS[i + 1])
end
return n
`;

/**
 * Deletes by tag. KEYS: epoch, then pairs of tag mark and tag set. ARGV: fenceTtlMs,
 * namespace base. Marks each tag and each member key, unlinks members and the set.
 * Returns how many entries existed.
 */
const DELETE_TAGS = `
local e = redis.call('INCR', KEYS[1])
local ttl = ARGV[1]
local base = ARGV[2]
local n = 0
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], e, 'PX', ttl)
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for _, m in ipairs(members) do
    redis.call('SET', base .. 'i:' .. m, e, 'PX', ttl)
    n = n + redis.call('UNLINK', base .. 'k:' .. m)
  end
  redis.call('UNLINK', KEYS[i + 1])
end
return n
`;

/** Starts a clear. KEYS: epoch, clear mark. Returns the new epoch. */
const CLEAR_MARK = `
local e = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], e)
return e
`;

/**
 * After a clear deleted the entries: removes from tag sets the members whose entry is
 * gone, and the sets left empty. Members written during the clear stay, so a later
 * deleteByTag still finds them. KEYS: tag sets. ARGV: namespace base.
 */
const PRUNE_TAGS = `
local base = ARGV[1]
for i = 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, m in ipairs(members) do
    if redis.call('EXISTS', base .. 'k:' .. m) == 0 then redis.call('SREM', KEYS[i], m) end
  end
end
return 1
`;

/** Names of the commands; versioned so stores of different versions can share a client. */
export const commands = {
  write: 'cachestackV1Write',
  delete: 'cachestackV1Delete',
  deleteTags: 'cachestackV1DeleteTags',
  clearMark: 'cachestackV1ClearMark',
  pruneTags: 'cachestackV1PruneTags',
} as const;

/** An argument of a script call. */
export type Arg = string | number | Buffer;

/** The client with the store's commands defined. */
export interface ScriptClient {
  cachestackV1Write(numKeys: number, ...args: Arg[]): Promise<number[]>;
  cachestackV1Delete(numKeys: number, ...args: Arg[]): Promise<number>;
  cachestackV1DeleteTags(numKeys: number, ...args: Arg[]): Promise<number>;
  cachestackV1ClearMark(numKeys: number, ...args: Arg[]): Promise<number>;
  cachestackV1PruneTags(numKeys: number, ...args: Arg[]): Promise<number>;
}

/** Defines the store's scripts on a client (idempotent: same names, same bodies). */
export function defineScripts(client: Redis | Cluster): ScriptClient {
  client.defineCommand(commands.write, { lua: WRITE });
  client.defineCommand(commands.delete, { lua: DELETE });
  client.defineCommand(commands.deleteTags, { lua: DELETE_TAGS });
  client.defineCommand(commands.clearMark, { lua: CLEAR_MARK });
  client.defineCommand(commands.pruneTags, { lua: PRUNE_TAGS });
  return client as unknown as ScriptClient;
}

/**
 * Arguments of the write script (numkeys first) for entries of one namespace.
 * `epoch` is the fence's epoch of a conditional write, `undefined` for an unconditional one.
 */
export function writeArgs(
  base: string,
  entries: readonly RemoteEntry[],
  epoch: string | undefined,
  fenceTtlMs: number,
): Arg[] {
  const keys: Arg[] = [`${base}m:epoch`, `${base}m:clear`];
  const argv: Arg[] = [epoch ?? '', fenceTtlMs, entries.length];
  for (const entry of entries) {
    const tags = entry.tags ?? [];
    keys.push(`${base}k:${entry.key}`, `${base}i:${entry.key}`);
    for (const tag of tags) keys.push(`${base}ti:${tag}`);
    for (const tag of tags) keys.push(`${base}t:${tag}`);
    argv.push(tags.length, entry.ttlMs, toBuffer(entry.value), entry.key);
  }
  return [keys.length, ...keys, ...argv];
}
