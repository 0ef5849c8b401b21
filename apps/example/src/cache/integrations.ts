import { compression } from '@cachestack/compression';
import type { CacheStackConfig } from '@cachestack/config';
import {
  type Bus,
  type Codec,
  type Locker,
  type Logger,
  memoryStore,
  type RemoteStore,
} from '@cachestack/core';
import { redisStore } from '@cachestack/redis';

/**
 * One switch per cachestack package the app wires in. Each integration is a small
 * function here so that a package landing on main is a change of a few lines: until then
 * the app runs on core alone and says so in `/cache/status` (`integrations`).
 */
export interface IntegrationStatus {
  readonly name: string;
  /** `active`: in use; `fallback`: a core stand-in is used; `pending`: not wired yet. */
  readonly state: 'active' | 'fallback' | 'pending' | 'off';
  readonly detail: string;
}

/** What the cache is built with. */
export interface StackParts {
  readonly l2: RemoteStore;
  /** What the L2 really is: `memory` (core's in-process store), `file` or `redis`. */
  readonly l2Kind: 'memory' | 'file' | 'redis';
  readonly bus: Bus | undefined;
  readonly locker: Locker | undefined;
  readonly codec: Codec | undefined;
  readonly statuses: IntegrationStatus[];
  /** Releases what the parts created beyond what `cache.close()` closes. */
  close(): Promise<void>;
}

/**
 * Builds the L2 store, bus, locker and codec for a configuration.
 *
 * - L2 `file` (embedded default): `fileStore({ dir })` from @cachestack/file once it is on
 *   main; until then core's `memoryStore()` (one process, nothing persisted).
 * - L2 `redis` (`REDIS_URL`): `redisStore({ url, prefix })` from @cachestack/redis (active);
 *   `redisBus` (@cachestack/coherency) and `redisLocker` (@cachestack/locking) once on main.
 * - compression: `compression(...)` from @cachestack/compression (on main: active).
 */
export function buildStackParts(config: CacheStackConfig, logger: Logger): StackParts {
  const statuses: IntegrationStatus[] = [];
  let l2: RemoteStore;
  let l2Kind: StackParts['l2Kind'];
  if (config.l2.kind === 'redis') {
    // The store creates its client (no offline queue, command deadlines) and quits it on close.
    l2 = redisStore({
      url: config.l2.url,
      prefix: config.l2.prefix,
      commandTimeoutMs: config.l2.commandTimeoutMs,
      logger,
    });
    l2Kind = 'redis';
    statuses.push({
      name: '@cachestack/redis',
      state: 'active',
      detail: `L2 on ${redactUrl(config.l2.url)} with prefix "${config.l2.prefix}"`,
    });
  } else {
    l2 = memoryStore();
    l2Kind = 'memory';
    statuses.push({
      name: '@cachestack/file',
      state: 'fallback',
      detail: `embedded L2 should be fileStore; @cachestack/file is not on main yet: L2 is core's memoryStore()`,
    });
  }
  statuses.push(
    {
      name: '@cachestack/coherency',
      state: 'pending',
      detail:
        config.l2.kind === 'redis'
          ? 'redisBus not wired (package not on main): no cross-instance invalidation'
          : 'single instance: no bus needed',
    },
    {
      name: '@cachestack/locking',
      state: 'pending',
      detail: 'redisLocker not wired (package not on main): single flight is per process',
    },
  );
  let codec: Codec | undefined;
  const c = config.compression;
  if (c.algorithm === 'none') {
    statuses.push({ name: '@cachestack/compression', state: 'off', detail: 'algorithm none' });
  } else {
    codec = compression({
      algorithm: c.algorithm,
      ...(c.level === undefined ? {} : { level: c.level }),
      thresholdBytes: c.thresholdBytes,
      minSavingsRatio: c.minSavingsRatio,
      maxDecompressedBytes: c.maxDecompressedBytes,
    });
    statuses.push({
      name: '@cachestack/compression',
      state: 'active',
      detail: `${c.algorithm} above ${c.thresholdBytes} bytes`,
    });
  }
  return {
    l2,
    l2Kind,
    bus: undefined,
    locker: undefined,
    codec,
    statuses,
    close: async () => {},
  };
}

/** A URL without its password, for status pages and logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
