import type { ByteSize, Duration } from '@cachestack/core';

/** Eviction policy of the memory tier. */
export type EvictionPolicy = 'w-tinylfu' | 'lru' | 'fifo' | 'lfu';

/** When an L2 hit is copied into L1. */
export type PromotionConfig =
  | 'immediate'
  | 'frequency'
  | {
      /** Number of L2 hits within the window before promotion. */
      readonly afterHits: number;
      /** Window in which the hits are counted, in ms. */
      readonly windowMs: number;
    };

/** The in-process memory tier (resolved). */
export interface L1Config {
  /** Maximum number of entries. @defaultValue 10000 */
  readonly maxEntries: number;
  /** Maximum estimated size in bytes; 0 bounds by entries only. @defaultValue 0 */
  readonly maxBytes: number;
  /** Eviction policy. @defaultValue 'w-tinylfu' */
  readonly policy: EvictionPolicy;
  /** Admission filter. @defaultValue 'none' */
  readonly admission: 'none' | 'tinylfu';
  /** Promotion strategy. @defaultValue 'immediate' */
  readonly promotion: PromotionConfig;
}

/** No shared tier. */
export interface NoL2Config {
  readonly kind: 'none';
}

/** Redis as the shared tier (resolved). */
export interface RedisL2Config {
  readonly kind: 'redis';
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** Key prefix. @defaultValue 'cachestack' */
  readonly prefix: string;
  /** Deadline of each command, in ms. @defaultValue 1000 */
  readonly commandTimeoutMs: number;
}

/** Files as the shared tier (resolved). */
export interface FileL2Config {
  readonly kind: 'file';
  /** Directory of the files. */
  readonly dir: string;
  /** Maximum total size in bytes. @defaultValue 1073741824 (1 GiB) */
  readonly maxBytes: number;
  /** Number of subdirectories the files are spread over. @defaultValue 256 */
  readonly fanOut: number;
}

/** The shared tier (resolved). */
export type L2Config = NoL2Config | RedisL2Config | FileL2Config;

/** Per-operation defaults that namespaces may override (resolved, in ms). */
export interface OperationDefaults {
  /** How long a value stays fresh, in ms. @defaultValue 300000 */
  readonly ttl: number;
  /** How long an expired value stays usable, in ms. @defaultValue 0 */
  readonly grace: number;
  /** Soft timeout of loaders, in ms; 0 disables it. @defaultValue 0 */
  readonly softTimeoutMs: number;
  /** Hard timeout of loaders, in ms; 0 disables it. @defaultValue 0 */
  readonly hardTimeoutMs: number;
  /** Fraction of the TTL, in [0, 1), after which a hit refreshes in the background. @defaultValue 0 */
  readonly eagerRefresh: number;
  /** Random fraction, in [0, 1), by which TTLs are shortened. @defaultValue 0 */
  readonly jitter: number;
}

/** Eviction priority of a namespace. */
export type NamespacePriority = 'high' | 'medium' | 'low';

/**
 * A namespace (resolved): its operation defaults, every one filled in from the top-level
 * `defaults` unless overridden, and its priority. Shaped like core's `NamespaceOptions`,
 * so `cache.namespace(name, config.namespaces[name])` takes it as it is.
 */
export interface NamespaceConfig {
  /** Eviction priority. @defaultValue 'medium' */
  readonly priority: NamespacePriority;
  /** The namespace's operation defaults, in ms. */
  readonly defaults: OperationDefaults;
}

/** The L2 circuit breaker (resolved). */
export interface CircuitBreakerConfig {
  /** Consecutive failures that open it. @defaultValue 5 */
  readonly failureThreshold: number;
  /** How long it stays open, in ms. @defaultValue 5000 */
  readonly breakDurationMs: number;
}

/** Compression algorithm names. */
export type CompressionAlgorithm = 'gzip' | 'deflate' | 'brotli' | 'zstd' | 'auto' | 'none';

/** Compression of L2 values (resolved). */
export interface CompressionConfig {
  /** Algorithm. @defaultValue 'none' */
  readonly algorithm: CompressionAlgorithm;
  /** Level; absent means the codec default. */
  readonly level?: number;
  /** Smaller values are stored uncompressed, in bytes. @defaultValue 1024 */
  readonly thresholdBytes: number;
  /** Minimum fraction saved for compressed output to be kept. @defaultValue 0.1 */
  readonly minSavingsRatio: number;
  /** Largest decompressed size accepted, in bytes. @defaultValue 67108864 */
  readonly maxDecompressedBytes: number;
}

/** Locks around loaders (resolved). */
export interface LockingConfig {
  /** How long to wait for a lock, in ms. @defaultValue 5000 */
  readonly acquireTimeoutMs: number;
  /** Lease of a lock, in ms. @defaultValue 30000 */
  readonly leaseMs: number;
}

/** Invalidation bus (resolved). */
export interface CoherencyConfig {
  /** @defaultValue false */
  readonly enabled: boolean;
  /** @defaultValue 'cachestack:invalidation' */
  readonly channel: string;
  /** Heartbeat interval, in ms. @defaultValue 5000 */
  readonly heartbeatMs: number;
  /** Silence after which an instance is gone, in ms. @defaultValue 15000 */
  readonly instanceTimeoutMs: number;
}

/** Rate-limit algorithm names. */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'token-bucket' | 'gcra';

/** A named rate-limit rule (resolved). */
export interface RateLimitRuleConfig {
  readonly algorithm: RateLimitAlgorithm;
  /** Requests per window. */
  readonly limit: number;
  /** Window length, in ms. */
  readonly windowMs: number;
  /** Behaviour when the store fails. @defaultValue 'open' */
  readonly failurePolicy: 'open' | 'closed' | 'local';
}

/** A warning/critical pair of a rate between 0 and 1. */
export interface ThresholdPair {
  readonly warning: number;
  readonly critical: number;
}

/** Metrics and health-score settings (resolved). */
export interface MetricsConfig {
  /** @defaultValue true */
  readonly enabled: boolean;
  readonly health: {
    /** Higher is better: warning above critical. @defaultValue { warning: 0.8, critical: 0.5 } */
    readonly hitRate: ThresholdPair;
    /** Target p95 read latency, in ms. @defaultValue 50 */
    readonly latencyP95TargetMs: number;
    /** Lookups a health window needs before the hit rate gives a verdict. @defaultValue 100 */
    readonly minLookups: number;
    /** Lower is better: warning below critical. @defaultValue { warning: 0.01, critical: 0.05 } */
    readonly l2ErrorRate: ThresholdPair;
    /** Relative weights. @defaultValue { hitRate: 0.4, latency: 0.3, errorRate: 0.3 } */
    readonly weights: {
      readonly hitRate: number;
      readonly latency: number;
      readonly errorRate: number;
    };
  };
}

/** A complete, validated cachestack configuration: every duration in ms, every size in bytes. */
export interface CacheStackConfig {
  readonly l1: L1Config;
  readonly l2: L2Config;
  readonly defaults: OperationDefaults;
  readonly circuitBreaker: CircuitBreakerConfig;
  readonly compression: CompressionConfig;
  readonly locking: LockingConfig;
  readonly coherency: CoherencyConfig;
  readonly rateLimits: Readonly<Record<string, RateLimitRuleConfig>>;
  readonly metrics: MetricsConfig;
  readonly namespaces: Readonly<Record<string, NamespaceConfig>>;
}

/** Numbers that are durations accept strings such as `'5m'`; sizes accept `'64mb'`. */
type InputOf<T, K extends PropertyKey> = {
  [P in keyof T]?: P extends K
    ? T[P] extends number
      ? Duration | ByteSize
      : T[P]
    : T[P] extends string | number | boolean
      ? T[P]
      : T[P] extends object
        ? InputOf<T[P], K>
        : T[P];
};

type UnitKeys =
  | 'maxBytes'
  | 'ttl'
  | 'grace'
  | 'softTimeoutMs'
  | 'hardTimeoutMs'
  | 'windowMs'
  | 'commandTimeoutMs'
  | 'breakDurationMs'
  | 'thresholdBytes'
  | 'maxDecompressedBytes'
  | 'acquireTimeoutMs'
  | 'leaseMs'
  | 'heartbeatMs'
  | 'instanceTimeoutMs'
  | 'latencyP95TargetMs';

/**
 * A namespace as written, flat: `ttl` (required, or filled in by auto-correction),
 * `priority`, and any operation default to override.
 */
export type NamespaceInput = InputOf<OperationDefaults, UnitKeys> & {
  readonly priority?: NamespacePriority;
};

/** A rate-limit rule as written. */
export interface RateLimitRuleInput {
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: Duration;
  readonly failurePolicy?: 'open' | 'closed' | 'local';
}

/** The shared tier as written. */
export type L2Input =
  | NoL2Config
  | {
      readonly kind: 'redis';
      readonly url: string;
      readonly prefix?: string;
      readonly commandTimeoutMs?: Duration;
    }
  | {
      readonly kind: 'file';
      readonly dir: string;
      readonly maxBytes?: ByteSize;
      readonly fanOut?: number;
    };

/**
 * A configuration as written in a file, an object or the environment: every field is
 * optional, durations accept `'5m'` and sizes `'64mb'`.
 */
export interface CacheStackConfigInput {
  /** Ignored; lets editors find the JSON Schema. */
  readonly $schema?: string;
  readonly l1?: Omit<InputOf<L1Config, UnitKeys>, 'promotion'> & {
    readonly promotion?:
      | 'immediate'
      | 'frequency'
      | { readonly afterHits: number; readonly windowMs: Duration };
  };
  readonly l2?: L2Input;
  readonly defaults?: InputOf<OperationDefaults, UnitKeys>;
  readonly circuitBreaker?: InputOf<CircuitBreakerConfig, UnitKeys>;
  readonly compression?: InputOf<CompressionConfig, UnitKeys>;
  readonly locking?: InputOf<LockingConfig, UnitKeys>;
  readonly coherency?: InputOf<CoherencyConfig, UnitKeys>;
  readonly rateLimits?: Readonly<Record<string, RateLimitRuleInput>>;
  readonly metrics?: InputOf<MetricsConfig, UnitKeys>;
  readonly namespaces?: Readonly<Record<string, NamespaceInput>>;
}

/** A validation error: where, what, and the offending value. */
export interface ConfigIssue {
  /** JSON Pointer of the offending value, e.g. `/l1/maxBytes` (`''` is the whole configuration). */
  readonly path: string;
  /** Plain-words explanation. */
  readonly message: string;
  /** The offending value (`undefined` when it is missing). */
  readonly value: unknown;
}

/** Something accepted but changed or ignored: a correction, an ignored unknown key, ... */
export interface ConfigWarning {
  /** JSON Pointer of the value concerned. */
  readonly path: string;
  /** Plain-words explanation. */
  readonly message: string;
  /** The value before (as written). */
  readonly before: unknown;
  /** The value after (`undefined` when removed). */
  readonly after: unknown;
  /** Id of the correction applied (see `CORRECTIONS`), or `unknown-key` / `profile`. */
  readonly rule: string;
}
