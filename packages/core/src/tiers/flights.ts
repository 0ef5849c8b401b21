import type { Entry } from '../contracts/entry.js';
import type { InvalidationScope } from '../contracts/invalidation.js';
import type { Lock } from '../contracts/locker.js';
import type { FenceToken } from '../contracts/remote-store.js';

/**
 * An in-flight load. An invalidation of its key sets `fenced` and detaches it from
 * single flight (read after invalidate): callers already waiting keep its promise,
 * later callers start a new load.
 */
export interface Flight {
  readonly namespace: string;
  readonly key: string;
  readonly tags: readonly string[] | undefined;
  fenced: boolean;
  /** Set as the load finishes, just before its promise settles. */
  settled: boolean;
  promise: Promise<Entry>;
  /** The fence of the load's latest L2 read, for its conditional write. */
  fence: FenceToken | undefined;
  /** A stale entry (within grace) found in L2, usable as a fallback. */
  stale: Entry | undefined;
  /** The loader's error when the flight fell back to a stale value. */
  error?: unknown;
  /**
   * Aborts the loader (cache closed). Created when a loader or a lock wait needs its
   * signal (see `flightSignal`), so a load answered by L2 never pays for one.
   */
  controller: AbortController | undefined;
  /** The distributed lock this load holds, released as soon as the load is fenced. */
  lock?: Lock | undefined;
  /** Aborts this load's wait for its distributed lock (it will not write anyway). */
  lockWait?: AbortController | undefined;
}

/**
 * The loads in flight, by L1 key (single flight joins them), and the fences that
 * invalidations put on them: a fenced load never writes its result into a tier.
 */
export class Flights {
  readonly #byKey = new Map<string, Flight>();

  /** Number of loads in flight. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The joinable load of an L1 key. */
  get(l1Key: string): Flight | undefined {
    return this.#byKey.get(l1Key);
  }

  /** Whether a load of the L1 key is in flight. */
  has(l1Key: string): boolean {
    return this.#byKey.has(l1Key);
  }

  /** Registers a load (replacing, for later callers, one that was there). */
  add(l1Key: string, flight: Flight): void {
    this.#byKey.set(l1Key, flight);
  }

  /** Forgets a finished load, unless another one replaced it already. */
  settle(l1Key: string, flight: Flight): void {
    if (this.#byKey.get(l1Key) === flight) this.#byKey.delete(l1Key);
  }

  /** Every load in flight. */
  values(): IterableIterator<Flight> {
    return this.#byKey.values();
  }

  /**
   * Fences the loads an invalidation of `scope` in namespace `namespace` covers (keys
   * are matched through `l1Prefix + key`). A load without tags may come back with any,
   * so a tag invalidation fences it too.
   */
  fence(namespace: string, l1Prefix: string, scope: InvalidationScope): void {
    if (this.#byKey.size === 0) return;
    if (scope.kind === 'keys') {
      for (const key of scope.keys) {
        const l1Key = l1Prefix + key;
        const flight = this.#byKey.get(l1Key);
        if (flight) this.#detach(l1Key, flight);
      }
      return;
    }
    for (const [l1Key, flight] of this.#byKey) {
      if (flight.namespace !== namespace) continue;
      if (
        scope.kind === 'namespace' ||
        !flight.tags ||
        flight.tags.some((t) => scope.tags.includes(t))
      ) {
        this.#detach(l1Key, flight);
      }
    }
  }

  /** Fences every load (the bus reconnected: invalidations may have been missed). */
  fenceAll(): void {
    for (const [l1Key, flight] of this.#byKey) this.#detach(l1Key, flight);
  }

  /**
   * Fences a load and detaches it from single flight, so that no caller arriving after
   * the invalidation joins a load that started before it (guarantee 6). Its distributed
   * lock is released at once: a fenced load never writes, and the next load of the key
   * must not wait behind it until its lease ends.
   */
  #detach(l1Key: string, flight: Flight): void {
    flight.fenced = true;
    if (this.#byKey.get(l1Key) === flight) this.#byKey.delete(l1Key);
    flight.lockWait?.abort();
    if (flight.lock) {
      const lock = flight.lock;
      flight.lock = undefined;
      lock.release().catch(() => {});
    }
  }
}
