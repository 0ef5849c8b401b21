import { channel, tracingChannel } from 'node:diagnostics_channel';
import { TypedEmitter } from '../kit/typed-emitter.js';

/** The tier an event refers to. */
export type Tier = 'l1' | 'l2' | 'loader';

/** Payloads of the events a cache emits, by event name. */
export interface CacheEventMap {
  /** A fresh value was served. */
  hit: { namespace: string; key: string; tier: 'l1' | 'l2' };
  /** No usable value in any tier. */
  miss: { namespace: string; key: string };
  /** A stale value (within grace) was served instead of a fresh one. */
  stale: {
    namespace: string;
    key: string;
    reason: 'loader-error' | 'soft-timeout' | 'hard-timeout' | 'l2-down';
  };
  /** A value was written (by `set` or by a loader). */
  set: { namespace: string; key: string; ttlMs: number; tiers: readonly Tier[] };
  /** A loader result was not written because its key was invalidated while it ran. */
  fenced: { namespace: string; key: string; tier: 'l1' | 'l2' };
  /** Keys were deleted. */
  delete: { namespace: string; keys: readonly string[] };
  /** Tags were invalidated. */
  'delete-tags': { namespace: string; tags: readonly string[] };
  /** A namespace was cleared. */
  clear: { namespace: string };
  /** L1 dropped an entry to stay within its bounds. */
  evict: { key: string; reason: 'capacity' | 'expired' | 'rejected' };
  /** A loader ran. */
  load: { namespace: string; key: string; durationMs: number; ok: boolean };
  /** An L2 call failed, timed out or was refused by the open circuit (docs/events.md). */
  'store:error': { operation: string; error: Error };
  /** An L2 entry failed its checksum or did not decode; it was deleted and treated as a miss. */
  'store:corrupt': { namespace: string; key: string; error: Error };
  /**
   * An L2 call failed or timed out.
   * @deprecated Use `store:error`; `l2:error` is emitted as well until the next minor version.
   */
  'l2:error': { operation: string; error: Error };
  /**
   * An L2 entry was corrupt.
   * @deprecated Use `store:corrupt`; `l2:corrupt` is emitted as well until the next minor version.
   */
  'l2:corrupt': { namespace: string; key: string; error: Error };
  /** The L2 circuit breaker changed state. */
  'circuit:open': { failures: number; openUntil: number };
  'circuit:half-open': Record<string, never>;
  'circuit:close': Record<string, never>;
  /** An invalidation arrived from another instance. */
  'bus:message': { type: string; namespace: string };
  /** The bus connection changed state. */
  'bus:state': { state: 'connected' | 'disconnected' };
  /** Warmup progress (also passed to `onProgress`). */
  'warmup:progress': import('./warmup.js').WarmupProgress;
  /** A critical entry was refreshed in the background (or the refresh failed). */
  refresh: { namespace: string; key: string; ok: boolean; nextAt: number; error?: Error };
  /** Adaptive TTL chose a TTL for a loaded value (`changed` is undefined on the first load). */
  'adaptive-ttl': { namespace: string; key: string; ttlMs: number; changed: boolean | undefined };
  /** A background operation (eager refresh, bus publish, retry) failed. */
  error: { operation: string; error: Error };
}

/** Names of the cache events. */
export type CacheEventName = keyof CacheEventMap;

/** The cache's typed events. */
export class CacheEvents extends TypedEmitter<CacheEventMap> {
  /**
   * Identifies the cache these events belong to (all its namespaces) in diagnostics
   * messages: their `cache` field. Exposed as `Cache.diagnosticsId`.
   */
  readonly diagnosticsId: object = Object.freeze({});
}

/**
 * `node:diagnostics_channel` channels published by core, for `@cachestack/metrics`.
 * Messages are published only when the channel has subscribers.
 */
export const coreChannels = {
  /** `{ namespace, key, tier, result: 'hit' | 'miss' | 'stale', durationMs? }` per read. */
  read: channel('cachestack:core:read'),
  /** `{ namespace, key, tiers, ttlMs }` per write. */
  write: channel('cachestack:core:write'),
  /** `{ namespace, key, durationMs, ok }` per loader run. */
  load: channel('cachestack:core:load'),
  /** `{ key, reason }` per L1 eviction. */
  evict: channel('cachestack:core:evict'),
  /** `{ cache, namespace, operation, durationMs, ok, error? }` per L2 call. */
  l2: channel('cachestack:core:l2'),
  /** `{ state }` on circuit breaker transitions. */
  circuit: channel('cachestack:core:circuit'),
  /** `{ namespace, key }` per corrupted L2 entry. */
  corrupt: channel('cachestack:core:corrupt'),
  /** `{ type, namespace }` per bus message applied. */
  bus: channel('cachestack:core:bus'),
} as const;

/**
 * The context object of a message on {@link coreTracingChannels}: the same object goes to
 * `start`, `end`, `asyncStart`, `asyncEnd` and `error` (which add `result` or `error`).
 */
export interface CoreTraceContext {
  /** The cache's `diagnosticsId` (shared by its namespaces). */
  readonly cache: object;
  readonly namespace: string;
  /** The key (loads and lock waits; absent on L2 calls, which may cover several keys). */
  readonly key?: string;
  /** The L2 operation (`get`, `getWithFence`, `set`, `delete`, ...); L2 calls only. */
  readonly operation?: string;
}

/**
 * `node:diagnostics_channel` tracing channels published by core (see
 * `diagnostics_channel.tracingChannel`): `tracing:<name>:start` as the operation starts,
 * in the caller's async context, then `end`, `asyncStart`, `asyncEnd` (and `error` on
 * failure) as it settles. The load's `start` runs the load itself, so a store bound to it
 * (`start.bindStore`) is active during the load's L2 reads and lock wait. Published only
 * when a channel has subscribers.
 */
export const coreTracingChannels = {
  /** A load (a `getOrSet` L1 miss): its L2 read, lock wait and loader run. */
  load: tracingChannel<unknown, CoreTraceContext>('cachestack:core:load'),
  /** One L2 call, with `operation`. */
  l2: tracingChannel<unknown, CoreTraceContext>('cachestack:core:l2'),
  /** A load's wait for its lock (`lock` option), with `key`. */
  lockWait: tracingChannel<unknown, CoreTraceContext>('cachestack:core:lock-wait'),
} as const;
