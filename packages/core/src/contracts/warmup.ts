import type { BatchLoader, Loader } from './loader.js';
import type { LoadOptions, Priority } from './options.js';

/** One value to put in the cache as is. */
export interface WarmupEntry<T = unknown> {
  readonly key: string;
  readonly value: T;
  readonly options?: LoadOptions;
}

/** The part of a cache a warmup drives (a `Cache` or one of its namespaces). */
export interface WarmupTarget {
  readonly namespaceName: string;
  readonly priority: Priority;
  has(key: string): Promise<boolean>;
  set(key: string, value: unknown, options?: LoadOptions): Promise<void>;
  getOrSet<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T>;
  getOrSetMany<T>(
    keys: readonly string[],
    loader: BatchLoader<T>,
    options?: LoadOptions,
  ): Promise<(T | undefined)[]>;
}

/** What to warm. `target` defaults to the cache `warmup` is called on. */
export type WarmupSource =
  | {
      readonly target?: WarmupTarget;
      readonly keys: Iterable<string> | AsyncIterable<string>;
      readonly loader: Loader<unknown>;
      readonly options?: LoadOptions;
    }
  | {
      readonly target?: WarmupTarget;
      readonly keys: Iterable<string> | AsyncIterable<string>;
      readonly batchLoader: BatchLoader<unknown>;
      /** Keys per batch loader call. @defaultValue 100 */
      readonly batchSize?: number;
      readonly options?: LoadOptions;
    }
  | {
      readonly target?: WarmupTarget;
      readonly entries: Iterable<WarmupEntry> | AsyncIterable<WarmupEntry>;
    };

/** Progress of a warmup. */
export interface WarmupProgress {
  /** Keys handled (loaded, skipped as fresh, or failed). */
  readonly done: number;
  readonly loaded: number;
  /** Already fresh: nothing loaded. */
  readonly skipped: number;
  readonly failed: number;
  /** Keys known in advance (sources with arrays), when known. */
  readonly total: number | undefined;
  readonly ratePerSec: number;
  /** Estimated time left, when `total` is known. */
  readonly etaMs: number | undefined;
}

/** Final report of a warmup. */
export interface WarmupReport extends WarmupProgress {
  readonly durationMs: number;
  readonly aborted: boolean;
  readonly failures: readonly { namespace: string; key: string; error: Error }[];
}

/** Options of `warmup`. */
export interface WarmupOptions {
  /** Keys (or batches) in flight at once. @defaultValue 8 */
  readonly concurrency?: number;
  /** Stops the warmup; what is in flight finishes. */
  readonly signal?: AbortSignal;
  /** Called after each key (also emitted as the `warmup:progress` event). */
  readonly onProgress?: (progress: WarmupProgress) => void;
}
