import { channel } from 'node:diagnostics_channel';
import { TypedEmitter } from '@cachestack/core/kit';

/** Migration progress of a {@link LegacyKeysCache}, counted since it was created. */
export interface LegacyStats {
  /** Reads that missed the new key and found the legacy key (served from legacy). */
  readonly fallbacks: number;
  /** Reads that missed both keys. */
  readonly legacyMisses: number;
  /** Legacy values copied into the new key by a read. */
  readonly backfills: number;
  /** Writes that went to both keys (`dual-write`). */
  readonly dualWrites: number;
  /** Legacy keys deleted (deletes in both fallback modes, sets in `read-new-fallback-legacy`). */
  readonly legacyDeletes: number;
  /** Legacy commands that failed (reads then count as misses; writes throw). */
  readonly legacyErrors: number;
}

/** Payloads of the events of a {@link LegacyKeysCache}. */
export interface LegacyEventMap {
  /** A read fell back to the legacy key. */
  fallback: { readonly key: string; readonly legacyKey: string };
  /** A legacy value was written into the new key, with this TTL (`undefined`: the cache default). */
  backfill: {
    readonly key: string;
    readonly legacyKey: string;
    readonly ttlMs: number | undefined;
  };
  /** A legacy command failed. */
  'legacy:error': {
    readonly key: string;
    readonly legacyKey: string;
    readonly operation: string;
    readonly error: unknown;
  };
}

/** Event names of a {@link LegacyKeysCache}. */
export type LegacyEventName = keyof LegacyEventMap;

/**
 * Diagnostics channels (published only when subscribed): `cachestack:migrate:fallback`,
 * `cachestack:migrate:backfill`, `cachestack:migrate:legacy-error`, with the event payloads.
 */
export const migrateChannels = {
  fallback: channel('cachestack:migrate:fallback'),
  backfill: channel('cachestack:migrate:backfill'),
  legacyError: channel('cachestack:migrate:legacy-error'),
} as const;

/**
 * The events of a {@link LegacyKeysCache} (core's kit `TypedEmitter`: a throwing listener
 * cannot break a read), each also published on its diagnostics channel when subscribed.
 */
export class LegacyEvents extends TypedEmitter<LegacyEventMap> {
  /** Delivers `payload` to the listeners of `name` and to its diagnostics channel. */
  override emit<E extends LegacyEventName>(name: E, payload: LegacyEventMap[E]): void {
    super.emit(name, payload);
    const ch =
      name === 'fallback'
        ? migrateChannels.fallback
        : name === 'backfill'
          ? migrateChannels.backfill
          : migrateChannels.legacyError;
    if (ch.hasSubscribers) ch.publish(payload);
  }
}
