import type { Cache } from '@cachestack/core';

/**
 * The seam of the live legacy-key migration on the `users` entity.
 *
 * PENDING @cachestack/migrate: the users namespace is meant to be wrapped by its
 * migration wrapper, so that reads of `shop:v1:users:user:<id>` fall back to the old
 * `user_<id>` keys (backfilling the new key) and writes go to both while the migration
 * runs. Until the package is on main, this returns the namespace as is, and
 * `/cache/status` lists the integration as pending.
 */
export function withLegacyUserKeys(users: Cache): Cache {
  return users;
}

/** The legacy key of a user, as the pre-cachestack code wrote it. */
export const legacyUserKey = (id: number): string => `user_${id}`;
