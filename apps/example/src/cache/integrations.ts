import { redisBus } from '@cachestack/coherency';
import { compression } from '@cachestack/compression';
import type { CacheStackConfig } from '@cachestack/config';
import type { Bus, Codec, Locker, Logger, RemoteStore } from '@cachestack/core';
import { fileStore } from '@cachestack/file';
import { redisLocker } from '@cachestack/locking';
import { redisStore } from '@cachestack/redis';
import { Redis } from 'ioredis';

/**
 * One switch per cachestack package the app wires in, each a few lines here, and its
 * state shown in `/cache/status` (`integrations`) and on the dashboard.
 */
export interface IntegrationStatus {
  readonly name: string;
  /** `active`: in use; `off`: not needed in this setup; `pending`: not wired yet. */
  readonly state: 'active' | 'off' | 'pending';
  readonly detail: string;
}

/** What the cache is built with. */
export interface StackParts {
  readonly l2: RemoteStore;
  /** What the L2 is: `file` (embedded default) or `redis`. */
  readonly l2Kind: 'file' | 'redis';
  readonly bus: Bus | undefined;
  readonly locker: Locker | undefined;
  readonly codec: Codec | undefined;
  /** A Redis client owned by the parts (locks, legacy keys), with `REDIS_URL`. */
  readonly redis: Redis | undefined;
  /** The key prefix on Redis, with `REDIS_URL`. */
  readonly redisPrefix: string | undefined;
  readonly statuses: IntegrationStatus[];
  /** Resolves when the bus (if any) is connected: until then core bypasses L1. */
  ready(): Promise<void>;
  /** Releases what the parts created beyond what `cache.close()` closes (store and bus). */
  close(): Promise<void>;
}

const FAN_OUTS = new Set([16, 256, 4096]);

/**
 * Builds the L2 store, bus, locker and codec for a configuration.
 *
 * - L2 `file` (embedded default): `fileStore({ dir })` from @cachestack/file; one
 *   instance, no bus or locks needed.
 * - L2 `redis` (`REDIS_URL`): `redisStore` from @cachestack/redis, `redisBus` from
 *   @cachestack/coherency on the channel `<prefix>:<coherency.channel>` and `redisLocker`
 *   from @cachestack/locking, so several instances share L2, invalidate each other's L1
 *   and load a missing key once between them.
 * - compression: `compression(...)` from @cachestack/compression when configured.
 */
export function buildStackParts(config: CacheStackConfig, logger: Logger): StackParts {
  const statuses: IntegrationStatus[] = [];
  let l2: RemoteStore;
  let l2Kind: StackParts['l2Kind'];
  let bus: ReturnType<typeof redisBus> | undefined;
  let locker: (Locker & { close(): Promise<void> }) | undefined;
  let lockClient: Redis | undefined;
  if (config.l2.kind === 'redis') {
    const { url, prefix, commandTimeoutMs } = config.l2;
    // The store and the bus create their clients and close them with the cache.
    l2 = redisStore({ url, prefix, commandTimeoutMs, logger });
    l2Kind = 'redis';
    const channel = `${prefix}:${config.coherency.channel}`;
    bus = redisBus({ url, channel, heartbeatIntervalMs: config.coherency.heartbeatMs, logger });
    lockClient = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    lockClient.on('error', (error) => logger.warn({ err: error }, 'lock client error'));
    locker = redisLocker({ client: lockClient, prefix: `${prefix}:lock` });
    statuses.push(
      {
        name: '@cachestack/redis',
        state: 'active',
        detail: `L2 on ${redact(url)}, prefix "${prefix}"`,
      },
      {
        name: '@cachestack/coherency',
        state: 'active',
        detail: `redisBus on channel "${channel}"`,
      },
      {
        name: '@cachestack/locking',
        state: 'active',
        detail: `redisLocker: one loader per key across instances (lease ${config.locking.leaseMs} ms)`,
      },
    );
  } else if (config.l2.kind === 'file') {
    const fanOut = FAN_OUTS.has(config.l2.fanOut)
      ? [config.l2.fanOut, config.l2.fanOut]
      : undefined;
    l2 = fileStore({
      dir: config.l2.dir,
      maxBytes: config.l2.maxBytes,
      ...(fanOut ? { fanOut } : {}),
      // A cache: a power loss may lose recent writes; a torn file fails its checksum.
      durability: 'none',
      logger,
    });
    l2Kind = 'file';
    statuses.push(
      { name: '@cachestack/file', state: 'active', detail: `L2 in ${config.l2.dir}` },
      {
        name: '@cachestack/coherency',
        state: 'off',
        detail: 'one instance on this machine: no bus',
      },
      { name: '@cachestack/locking', state: 'off', detail: 'single flight within the process' },
    );
  } else {
    throw new Error('the example needs an L2: set REDIS_URL or use the embedded file store');
  }

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
  statuses.push(
    lockClient
      ? {
          name: '@cachestack/migrate',
          state: 'active',
          detail: 'users read through withLegacyKeys (legacy keys <prefix>:legacy:user:<id>)',
        }
      : {
          name: '@cachestack/migrate',
          state: 'off',
          detail: 'the legacy keys live in Redis: set REDIS_URL to run the users migration',
        },
  );
  return {
    l2,
    l2Kind,
    bus,
    locker,
    codec,
    redis: lockClient,
    redisPrefix: config.l2.kind === 'redis' ? config.l2.prefix : undefined,
    statuses,
    ready: () => bus?.ready() ?? Promise.resolve(),
    async close() {
      await locker?.close();
      lockClient?.disconnect();
    },
  };
}

/** A URL without its password, for status pages and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
