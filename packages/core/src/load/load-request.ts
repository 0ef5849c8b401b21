import type { Entry } from '../contracts/entry.js';
import type { Loader } from '../contracts/loader.js';
import type { Locker } from '../contracts/locker.js';
import type { ResolvedLoadOptions } from '../contracts/options.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';

/** Resolved lock settings. */
export interface ResolvedLock {
  readonly locker: Locker;
  readonly acquireTimeoutMs: number;
  readonly leaseMs: number;
}

/** Shared inputs of a load. */
export interface LoadRequest<T> {
  readonly stack: Stack;
  readonly ns: NamespaceState;
  readonly key: string;
  readonly l1Key: string;
  readonly loader: Loader<T>;
  readonly options: ResolvedLoadOptions;
  readonly lock: ResolvedLock | undefined;
  readonly localStale: Entry | undefined;
}

/** Whether an entry is still usable as a stale fallback at `now`. */
export function isUsableStale(entry: Entry | undefined, now: number): entry is Entry {
  return entry !== undefined && entry.staleUntil > now;
}
