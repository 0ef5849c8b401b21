import type { Cache } from '@cachestack/core';
import {
  type LegacyKeysCache,
  type LegacyStats,
  type MigrationMode,
  withLegacyKeys,
} from '@cachestack/migrate';
import type { Redis } from 'ioredis';
import { schema } from './keys.js';

/** What the shop needs of the users cache (the plain namespace or its migration wrapper). */
export type UserEntries = Pick<Cache, 'get' | 'getOrSet' | 'set' | 'delete'>;

/** The live migration of user entries from the legacy keys, when there is one. */
export interface UserKeyMigration {
  readonly users: UserEntries;
  /** The legacy key of a user (for demos and tests). */
  legacyKey(id: number): string;
  mode(): MigrationMode;
  setMode(mode: MigrationMode): void;
  stats(): LegacyStats;
}

/**
 * Wraps the users namespace with @cachestack/migrate's `withLegacyKeys`: the old code
 * kept users at `<prefix>:legacy:user:<id>` (JSON strings in Redis). In `dual-write`
 * (the starting mode) reads fall back to the legacy key and backfill the new one, and
 * writes go to both; `PUT /cache/migration { mode }` moves on to
 * `read-new-fallback-legacy` and `new-only` without a restart.
 */
export function migrateUserKeys(users: Cache, client: Redis, prefix: string): UserKeyMigration {
  const state: { mode: MigrationMode } = { mode: 'dual-write' };
  const head = `${schema.prefix}:v${schema.version}:users:user:`;
  const wrapped: LegacyKeysCache = withLegacyKeys(users, {
    legacy: { [`${head}{id}`]: `${prefix}:legacy:user:{id}` },
    client,
    mode: state,
  });
  return {
    users: wrapped,
    legacyKey: (id) => `${prefix}:legacy:user:${id}`,
    mode: () => state.mode,
    setMode(mode) {
      state.mode = mode;
    },
    stats: () => wrapped.stats(),
  };
}
