/**
 * The public option types of a cache (what `createCache`, `namespace` and each call
 * accept). They are checked and resolved once, by `cache/resolve-options.ts`.
 */
import type { Bus } from './bus.js';
import type { Clock } from './clock.js';
import type { Codec, Serializer } from './codec.js';
import type { ByteSize, Duration } from './duration.js';
import type { HotKeyExchange } from './hot-key-exchange.js';
import type { Locker } from './locker.js';
import type { Logger } from './logger.js';
import type { RemoteStore } from './remote-store.js';

/**
 * L1 eviction policy. `w-tinylfu`: an LRU admission window in front of a segmented main
 * area with a frequency-sketch admission filter on every insertion (see `WTinyLfu`).
 */
export type EvictionPolicy = 'w-tinylfu' | 'lru' | 'fifo' | 'lfu';

/** How L2 hits are promoted into L1. */
export type PromotionStrategy =
  | 'immediate'
  | 'frequency'
  | { readonly afterHits: number; readonly windowMs: Duration };

/** Namespace priority: orders warming and weighs L1 admission. */
export type Priority = 'high' | 'medium' | 'low';

/** L1 (memory tier) options. */
export interface L1Options {
  /** Most entries held. @defaultValue 10_000 */
  readonly maxEntries?: number;
  /** Most (estimated) bytes held; 0 = unbounded by bytes. Accepts '64mb'. @defaultValue 0 */
  readonly maxBytes?: ByteSize;
  /**
   * Eviction policy. `w-tinylfu` keeps the most frequently used entries: a small LRU
   * window, a segmented main area and a frequency sketch that admits every insertion
   * (set, loader result, L2 promotion) only when it is used more often than the entry it
   * would evict; the window size adapts to the workload. `lru`, `fifo` and `lfu` run on
   * the tier's own index-linked list (`LruList`), not on lru-cache. @defaultValue 'w-tinylfu'
   */
  readonly policy?: EvictionPolicy;
  /**
   * Admission filter for entries promoted from L2. With `policy: 'w-tinylfu'` every
   * insertion already goes through the policy's admission: `'tinylfu'` is then an alias
   * that changes nothing. @defaultValue 'none'
   */
  readonly admission?: 'none' | 'tinylfu';
  /**
   * When an L2 hit is copied into L1. With `policy: 'w-tinylfu'`, `'frequency'` uses the
   * policy's sketch, which already decides admission: it then behaves as `'immediate'`.
   * @defaultValue 'immediate'
   */
  readonly promotion?: PromotionStrategy;
  /** Size of a value in bytes, for `maxBytes`. @defaultValue a structural estimate */
  readonly sizeOf?: (value: unknown) => number;
}

/** L2 (remote tier) options. */
export interface L2Options {
  /** The store: `redisStore(...)` from @cachestack/redis, `fileStore(...)` from @cachestack/file. */
  readonly store: RemoteStore;
  /** Deadline of every L2 call. @defaultValue 1000 */
  readonly timeoutMs?: Duration;
  /** Consecutive failures that open the circuit breaker. @defaultValue 5 */
  readonly failureThreshold?: number;
  /** How long the breaker stays open before probing. @defaultValue 5000 */
  readonly breakDurationMs?: Duration;
  /**
   * Whether `cache.close()` closes the store. Set `false` when several caches share one
   * store and you close it yourself. @defaultValue true
   */
  readonly closeStore?: boolean;
  /** Invalidations kept for replay while L2 is down before escalating to a namespace clear. @defaultValue 10_000 */
  readonly maxPendingInvalidations?: number;
}

/** Options of distributed single flight. */
export interface LockOptions {
  readonly locker: Locker;
  /** Longest wait for the lock before loading without it. @defaultValue 5000 */
  readonly acquireTimeoutMs?: Duration;
  /** Lease of the lock. @defaultValue 30_000 */
  readonly leaseMs?: Duration;
}

/** Per-entry options, usable as cache defaults and per call. */
export interface EntryOptions {
  /** Time to live (fresh). @defaultValue '5m' */
  readonly ttl?: Duration;
  /** Extra time a stale value stays usable when the loader fails or is slow. @defaultValue 0 */
  readonly grace?: Duration;
  /** Random fraction (0-1) taken off the TTL to spread expiry. @defaultValue 0 */
  readonly jitter?: number;
  /** Tags for `deleteByTag`. */
  readonly tags?: readonly string[];
}

/** Options of reads that may load. */
export interface LoadOptions extends EntryOptions {
  /** With a stale value at hand, return it after this long and keep loading in the background. */
  readonly softTimeoutMs?: Duration;
  /** Give up waiting for the loader after this long (stale value if any, else TimeoutError). */
  readonly hardTimeoutMs?: Duration;
  /** Fraction (0-1, exclusive) of the TTL after which a hit triggers a background refresh. */
  readonly eagerRefresh?: number;
  /** Do not read or write L1. */
  readonly skipL1?: boolean;
  /** Do not read or write L2. */
  readonly skipL2?: boolean;
  /** Ignore cached values and run the loader. */
  readonly forceFresh?: boolean;
  /**
   * Derive the TTL from how often the loaded value changes, within [min, max]
   * (see `AdaptiveTtl`). `ttl` is the starting point.
   */
  readonly adaptiveTtl?: {
    readonly min: Duration;
    readonly max: Duration;
    readonly factor?: number;
  };
}

/** Options of `createCache`. */
export interface CacheOptions {
  /** Root namespace. @defaultValue 'default' */
  readonly namespace?: string;
  /** L1 options, or `false` for no L1. @defaultValue {} */
  readonly l1?: L1Options | false;
  /** L2 store (or options with a store). @defaultValue none */
  readonly l2?: RemoteStore | L2Options;
  /** Codec applied to L2 values (compression). @defaultValue none */
  readonly codec?: Codec;
  /** Extra codecs able to decode entries written with other codecs. @defaultValue [] */
  readonly decoders?: readonly Codec[];
  /** Serializer of L2 values. @defaultValue type-faithful JSON */
  readonly serializer?: Serializer;
  /** Invalidation bus keeping L1 coherent across instances. */
  readonly bus?: Bus;
  /** Distributed single flight. */
  readonly lock?: LockOptions;
  /** Defaults of every call. */
  readonly defaults?: LoadOptions;
  /** Track this instance's hot keys and share them with peers (adaptive warming). */
  readonly hotKeys?: {
    /** Keys tracked. @defaultValue 100 */
    readonly topK?: number;
    /** Where hot keys are shared (e.g. `redisHotKeyExchange` from @cachestack/redis). */
    readonly exchange?: HotKeyExchange;
    /** This instance's id. @defaultValue random */
    readonly instanceId?: string;
    /** How often the top keys are published. @defaultValue 30_000 */
    readonly publishIntervalMs?: Duration;
  };
  /** Longest key in UTF-8 bytes. @defaultValue 1024 */
  readonly maxKeyLength?: number;
  /** pino-shaped logger. @defaultValue no-op */
  readonly logger?: Logger;
  /**
   * Wall-clock time, epoch ms: an alias kept from earlier versions for `clock` with this
   * `now` and the system's monotonic time and timers. Pass either `now` or `clock`.
   * @defaultValue Date.now
   */
  readonly now?: () => number;
  /**
   * The clock seam: every time reading and timer of the cache (L1 TTLs, L2 deadlines and
   * replay retries, the circuit breaker, soft and hard load timeouts, fence ages,
   * critical refresh, hot-key publishing, warming). `fakeClock()` from
   * `@cachestack/testing` in tests.
   * @defaultValue systemClock
   */
  readonly clock?: Clock;
}

/** Options of a child namespace. */
export interface NamespaceOptions {
  readonly defaults?: LoadOptions;
  /** @defaultValue 'medium' */
  readonly priority?: Priority;
}

/** Per-call options after validation; durations in ms. */
export interface ResolvedLoadOptions {
  readonly ttlMs: number;
  readonly graceMs: number;
  readonly jitter: number;
  readonly tags: readonly string[] | undefined;
  readonly softTimeoutMs: number;
  readonly hardTimeoutMs: number;
  readonly eagerRefresh: number;
  readonly skipL1: boolean;
  readonly skipL2: boolean;
  readonly forceFresh: boolean;
  readonly adaptiveTtl: AdaptiveTtlOptions | undefined;
}

/** Options of `get` and `getMany`. */
export interface GetOptions {
  /** Do not read L1. */
  readonly skipL1?: boolean;
  /** Do not read L2. */
  readonly skipL2?: boolean;
}

/** Options of `set` and `setMany`. */
export interface SetOptions extends EntryOptions {
  readonly skipL1?: boolean;
  readonly skipL2?: boolean;
}

/** Adaptive TTL bounds (per call or as a default). */
export interface AdaptiveTtlOptions {
  /** Shortest TTL, for values that change on every reload. */
  readonly minMs: number;
  /** Longest TTL, for values that never change. */
  readonly maxMs: number;
  /**
   * How much the TTL grows when a reload finds the value unchanged, and shrinks when it
   * finds it changed.
   * @defaultValue 2
   */
  readonly factor?: number;
}
