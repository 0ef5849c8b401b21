import type { InvalidationScope } from '../contracts/invalidation.js';

/**
 * Invalidations that could not be applied to L2 (it was unreachable), kept per namespace
 * until it answers again. While one is pending, the keys (or tags, or the whole
 * namespace) it covers are not read from L2, so a value deleted during an outage is never
 * served after it. Bounded: past `maxPending` single invalidations, a namespace escalates
 * to one pending clear (which still never serves a deleted value).
 */
export class PendingInvalidations {
  readonly #keys = new Map<string, Set<string>>();
  readonly #tags = new Map<string, Set<string>>();
  readonly #clears = new Set<string>();
  readonly #maxPending: number;
  #count = 0;

  constructor(maxPending: number) {
    this.#maxPending = maxPending;
  }

  /** How many invalidations are pending. */
  get count(): number {
    return this.#count;
  }

  /** Whether L2 must not be read for this key. */
  blocksKey(namespace: string, key: string): boolean {
    if (this.#count === 0) return false;
    return this.#clears.has(namespace) || !!this.#keys.get(namespace)?.has(key);
  }

  /** Whether an entry carrying these tags must not be served from L2. */
  blocksTags(namespace: string, tags: readonly string[] | undefined): boolean {
    if (!tags || this.#count === 0) return false;
    const pending = this.#tags.get(namespace);
    return !!pending && tags.some((t) => pending.has(t));
  }

  /**
   * Remembers an invalidation for replay. Returns `true` when the namespace had to be
   * escalated to a clear because too many invalidations were pending.
   */
  add(namespace: string, scope: InvalidationScope): boolean {
    if (scope.kind === 'namespace') {
      this.#clears.add(namespace);
    } else {
      const map = scope.kind === 'keys' ? this.#keys : this.#tags;
      let set = map.get(namespace);
      if (!set) {
        set = new Set();
        map.set(namespace, set);
      }
      for (const item of scope.kind === 'keys' ? scope.keys : scope.tags) set.add(item);
    }
    this.#recount();
    if (this.#count <= this.#maxPending) return false;
    this.#clears.add(namespace);
    this.#keys.delete(namespace);
    this.#tags.delete(namespace);
    this.#recount();
    return true;
  }

  /**
   * Applies every pending invalidation with `apply`, clears first (they cover the rest of
   * their namespace). Stops at the first failure; what was applied is forgotten.
   */
  async replay(
    apply: (namespace: string, scope: InvalidationScope) => Promise<unknown>,
  ): Promise<void> {
    try {
      for (const namespace of [...this.#clears]) {
        await apply(namespace, { kind: 'namespace' });
        this.#clears.delete(namespace);
        this.#keys.delete(namespace);
        this.#tags.delete(namespace);
      }
      for (const [namespace, keys] of [...this.#keys]) {
        await apply(namespace, { kind: 'keys', keys: [...keys] });
        this.#keys.delete(namespace);
      }
      for (const [namespace, tags] of [...this.#tags]) {
        await apply(namespace, { kind: 'tags', tags: [...tags] });
        this.#tags.delete(namespace);
      }
    } finally {
      this.#recount();
    }
  }

  #recount(): void {
    let n = this.#clears.size;
    for (const set of this.#keys.values()) n += set.size;
    for (const set of this.#tags.values()) n += set.size;
    this.#count = n;
  }
}
