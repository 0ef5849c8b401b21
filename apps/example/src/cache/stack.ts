import type { CacheStackConfig } from '@cachestack/config';
import { type Cache, createCache, type Logger } from '@cachestack/core';
import { buildStackParts, type IntegrationStatus, type StackParts } from './integrations.js';
import { NAMESPACES, type NamespaceName } from './keys.js';
import { migrateUserKeys, type UserEntries, type UserKeyMigration } from './legacy-keys.js';

/** A built cache: the root, one view per namespace, and what it runs on. */
export interface CacheStack {
  readonly cache: Cache;
  readonly ns: Readonly<Record<NamespaceName, Cache>>;
  /** User entries as the shop reads and writes them (through the legacy-key migration with Redis). */
  readonly users: UserEntries;
  /** The legacy-key migration of users, with Redis. */
  readonly migration: UserKeyMigration | undefined;
  readonly config: CacheStackConfig;
  readonly l2Kind: StackParts['l2Kind'];
  readonly statuses: readonly IntegrationStatus[];
  /** The bus in use, if any (its state is shown on the dashboard). */
  readonly bus: StackParts['bus'];
  /** Resolves when the bus is connected (L1 is bypassed until then). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a cache stack from a resolved configuration. */
export function buildCacheStack(config: CacheStackConfig, logger: Logger): CacheStack {
  const parts = buildStackParts(config, logger);
  const cache = createCache({
    namespace: 'shop',
    l1: config.l1,
    l2: {
      store: parts.l2,
      timeoutMs: config.l2.kind === 'redis' ? config.l2.commandTimeoutMs : 1000,
      failureThreshold: config.circuitBreaker.failureThreshold,
      breakDurationMs: config.circuitBreaker.breakDurationMs,
    },
    ...(parts.codec ? { codec: parts.codec } : {}),
    ...(parts.bus ? { bus: parts.bus } : {}),
    ...(parts.locker ? { lock: { locker: parts.locker, ...config.locking } } : {}),
    defaults: config.defaults,
    logger,
  });
  const ns = {} as Record<NamespaceName, Cache>;
  for (const name of NAMESPACES) ns[name] = cache.namespace(name, config.namespaces[name] ?? {});
  const migration =
    parts.redis && parts.redisPrefix !== undefined
      ? migrateUserKeys(ns.users, parts.redis, parts.redisPrefix)
      : undefined;
  let closed: Promise<void> | undefined;
  return {
    cache,
    ns,
    users: migration?.users ?? ns.users,
    migration,
    config,
    l2Kind: parts.l2Kind,
    statuses: parts.statuses,
    bus: parts.bus,
    ready: () => parts.ready(),
    close() {
      closed ??= (async () => {
        await cache.close();
        await parts.close();
      })();
      return closed;
    },
  };
}
