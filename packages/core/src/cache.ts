import { isClock } from './clock.js';
import type { Codec } from './codec.js';
import type { CriticalRefreshOptions, CriticalSelector } from './critical-refresh.js';
import { type Entry, L1Box } from './entry.js';
import { ClosedError, InvalidKeyError, InvalidOptionError, LoaderError } from './errors.js';
import { type CacheEventMap, type CacheEventName, CacheEvents, coreChannels } from './events.js';
import type { HotKey } from './hot-keys.js';
import { assertKey, assertName } from './key-schema.js';
import { awaitFlight, type Loader, type LoadFlight, type ResolvedLock, startLoad } from './load.js';
import { type BatchLoader, loadMany } from './load-many.js';
import { noopLogger } from './logger.js';
import { MemoryTier } from './memory-tier.js';
import {
  assertBus,
  assertCodec,
  assertDecoders,
  assertKnownOptions,
  assertLocker,
  assertLogger,
  assertObject,
  assertSerializer,
  assertStore,
  isStore,
  OPTION_NAMES,
} from './option-shapes.js';
import {
  BASE_DEFAULTS,
  bytesOption,
  type CacheOptions,
  durationOption,
  type EntryOptions,
  intOption,
  type L2Options,
  type LoadOptions,
  type NamespaceOptions,
  type Priority,
  type ResolvedLoadOptions,
  resolveLoadOptions,
  resolveTags,
} from './options.js';
import { RemoteTier } from './remote-tier.js';
import { jsonSerializer } from './serializer.js';
import { estimateSize } from './size-of.js';
import { makeEntry, type NamespaceState, Stack } from './stack.js';
import { runWarmup, type WarmupOptions, type WarmupReport, type WarmupSource } from './warmup.js';

/** Options of `get`. */
export interface GetOptions {
  /** Do not read L1. */
  readonly skipL1?: boolean;
  /** Do not read L2. */
  readonly skipL2?: boolean;
}

/** Options of `set`. */
export interface SetOptions extends EntryOptions {
  readonly skipL1?: boolean;
  readonly skipL2?: boolean;
}

/** Counters since the cache was created. */
export interface CacheStats {
  readonly l1Entries: number;
  readonly l1Bytes: number;
  readonly inFlightLoads: number;
  readonly circuit: 'closed' | 'open' | 'half-open' | 'none';
  readonly pendingInvalidations: number;
  /** Lookup counters of every namespace since the cache was created. */
  readonly namespaces: readonly NamespaceCounters[];
}

/** Lookup counters of one namespace. */
export interface NamespaceCounters {
  readonly namespace: string;
  /** Fresh values served from L1. */
  readonly l1Hits: number;
  /** Fresh values served from L2. */
  readonly l2Hits: number;
  /** Lookups with no fresh value in any tier (a loader ran, or `get` returned undefined). */
  readonly misses: number;
  /** Stale values served within grace (also counted as misses). */
  readonly stale: number;
}

/**
 * A multi-tier cache (or one namespace of it). Create with {@link createCache}; derive
 * namespaces with {@link Cache.namespace}. All namespaces share tiers, bus and lock.
 */
export class Cache {
  readonly #stack: Stack;
  readonly #ns: NamespaceState;
  readonly #defaults: ResolvedLoadOptions;
  readonly #lock: ResolvedLock | undefined;
  readonly #root: boolean;
  #closed = false;

  /** @internal use {@link createCache}. */
  constructor(
    stack: Stack,
    ns: NamespaceState,
    defaults: ResolvedLoadOptions,
    lock: ResolvedLock | undefined,
    root: boolean,
  ) {
    this.#stack = stack;
    this.#ns = ns;
    this.#defaults = defaults;
    this.#lock = lock;
    this.#root = root;
  }

  /** This cache's namespace. */
  get namespaceName(): string {
    return this.#ns.name;
  }

  /** This namespace's priority (orders warming, weighs L1 admission). */
  get priority(): Priority {
    return this.#ns.priority;
  }

  /** Subscribes to an event; returns an unsubscribe function. Shared by all namespaces. */
  on<E extends CacheEventName>(name: E, listener: (payload: CacheEventMap[E]) => void): () => void {
    return this.#stack.s.events.on(name, listener);
  }

  /** Current sizes and states. */
  stats(): CacheStats {
    const { l1, l2 } = this.#stack.s;
    return {
      l1Entries: l1?.size ?? 0,
      l1Bytes: l1?.bytes ?? 0,
      inFlightLoads: this.#stack.loads.size,
      circuit: l2 ? l2.circuitState : 'none',
      pendingInvalidations: l2?.pendingInvalidations ?? 0,
      namespaces: [...this.#stack.namespaces.values()].map((ns) => ({
        namespace: ns.name,
        l1Hits: ns.l1Hits,
        l2Hits: ns.l2Hits,
        misses: ns.misses,
        stale: ns.stale,
      })),
    };
  }

  #check(key: unknown): asserts key is string {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    assertKey(key, this.#stack.s.maxKeyLength);
    if ((key as string).charCodeAt(0) === 0)
      throw new InvalidKeyError('key must not start with a NUL character');
  }

  /** The fresh value of a key, or `undefined`. Never runs a loader. */
  get<T = unknown>(key: string, options?: GetOptions): Promise<T | undefined> {
    try {
      this.#check(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const stack = this.#stack;
    const l1Key = this.#ns.l1Prefix + key;
    if (stack.hot !== undefined) stack.hot.record(this.#ns.name, key);
    if (stack.l1Usable && options?.skipL1 !== true) {
      const stored = stack.l1Get(l1Key);
      if (
        stored !== undefined &&
        (!(stored instanceof L1Box) || stored.f > stack.s.now() - stack.base)
      ) {
        this.#ns.l1Hits++;
        if (stack.s.events.has('hit'))
          stack.s.events.emit('hit', { namespace: this.#ns.name, key, tier: 'l1' });
        if (coreChannels.read.hasSubscribers) {
          coreChannels.read.publish({ namespace: this.#ns.name, key, tier: 'l1', result: 'hit' });
        }
        return Promise.resolve((stored instanceof L1Box ? stored.value : stored) as T);
      }
    }
    if (!stack.s.l2 || options?.skipL2 === true) {
      this.#miss(key);
      return Promise.resolve(undefined);
    }
    return this.#readL2(key, l1Key, options?.skipL1 === true) as Promise<T | undefined>;
  }

  #miss(key: string): void {
    const stack = this.#stack;
    this.#ns.misses++;
    if (stack.s.events.has('miss')) stack.s.events.emit('miss', { namespace: this.#ns.name, key });
    if (coreChannels.read.hasSubscribers) {
      coreChannels.read.publish({ namespace: this.#ns.name, key, tier: 'l2', result: 'miss' });
    }
  }

  // The L2-hit path: one promise chain, no per-read bookkeeping. A read that raced an
  // invalidation of its namespace (epoch moved) returns its value but does not promote it.
  #readL2(key: string, l1Key: string, skipL1: boolean): Promise<unknown> {
    const stack = this.#stack;
    const ns = this.#ns;
    const l2 = stack.s.l2!;
    const epoch = ns.epoch;
    return l2.get(ns.name, key).then(
      (entry) => {
        if (
          entry === undefined ||
          entry.freshUntil <= stack.s.now() ||
          l2.hasPendingTag(ns.name, entry.tags)
        ) {
          this.#miss(key);
          return undefined;
        }
        if (!skipL1 && ns.epoch === epoch && stack.shouldPromote(l1Key)) {
          stack.l1Set(ns, l1Key, entry, true);
        }
        ns.l2Hits++;
        if (stack.s.events.has('hit'))
          stack.s.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
        if (coreChannels.read.hasSubscribers) {
          coreChannels.read.publish({ namespace: ns.name, key, tier: 'l2', result: 'hit' });
        }
        return entry.value;
      },
      () => {
        this.#miss(key); // the failure was reported as l2:error by the remote tier
        return undefined;
      },
    );
  }

  /** Values of several keys, in order (`undefined` for misses); one L2 round trip. */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: GetOptions,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    for (const key of keys) this.#check(key);
    const stack = this.#stack;
    // Dense: every miss is an explicit `undefined` (no holes), as Keyv and users expect.
    const out: (T | undefined)[] = new Array<T | undefined>(keys.length).fill(undefined);
    const rel = stack.rel();
    const remote: number[] = [];
    const ns = this.#ns;
    const events = stack.s.events;
    const hit = (key: string, tier: 'l1' | 'l2') => {
      if (tier === 'l1') ns.l1Hits++;
      else ns.l2Hits++;
      if (events.has('hit')) events.emit('hit', { namespace: ns.name, key, tier });
    };
    keys.forEach((key, i) => {
      if (stack.l1Usable && options?.skipL1 !== true) {
        const stored = stack.l1Get(ns.l1Prefix + key);
        if (stored !== undefined && !(stored instanceof L1Box)) {
          out[i] = stored as T;
          hit(key, 'l1');
          return;
        }
        if (stored instanceof L1Box && stored.f > rel) {
          out[i] = stored.value as T;
          hit(key, 'l1');
          return;
        }
      }
      remote.push(i);
    });
    const l2 = stack.s.l2;
    const found = new Set<number>();
    if (remote.length > 0 && l2 && options?.skipL2 !== true) {
      const remoteKeys = remote.map((i) => keys[i]!);
      const epoch = ns.epoch;
      try {
        const { entries } = await l2.getMany(ns.name, remoteKeys, false);
        const t = stack.s.now();
        entries.forEach((entry, j) => {
          if (!entry || entry.freshUntil <= t || l2.hasPendingTag(ns.name, entry.tags)) return;
          const key = remoteKeys[j]!;
          out[remote[j]!] = entry.value as T;
          found.add(j);
          hit(key, 'l2');
          const l1Key = ns.l1Prefix + key;
          if (options?.skipL1 !== true && ns.epoch === epoch && stack.shouldPromote(l1Key)) {
            stack.l1Set(ns, l1Key, entry, true);
          }
        });
      } catch {
        // reported by the remote tier; these keys read as misses
      }
    }
    remote.forEach((i, j) => {
      if (!found.has(j)) this.#miss(keys[i]!);
    });
    return out;
  }

  /** Whether a fresh value exists in any tier. */
  async has(key: string): Promise<boolean> {
    this.#check(key);
    const stack = this.#stack;
    const rel = stack.rel();
    if (stack.l1Usable) {
      const stored = stack.l1Get(this.#ns.l1Prefix + key);
      if (stored !== undefined && (!(stored instanceof L1Box) || stored.f > rel)) return true;
    }
    const l2 = stack.s.l2;
    if (!l2) return false;
    try {
      return await l2.has(this.#ns.name, key);
    } catch {
      return false;
    }
  }

  /**
   * The cached value, or the loader's result (stored in every tier). Concurrent calls for
   * one key run the loader once (across processes with a lock). Stale values within
   * grace are served when the loader fails or times out.
   * @throws LoaderError when the loader fails and no stale value exists
   * @throws TimeoutError when `hardTimeoutMs` elapses and no stale value exists
   */
  async getOrSet<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    this.#check(key);
    if (typeof loader !== 'function') throw new InvalidOptionError('loader', 'must be a function');
    const o = options === undefined ? this.#defaults : resolveLoadOptions(this.#defaults, options);
    const stack = this.#stack;
    const ns = this.#ns;
    const l1Key = ns.l1Prefix + key;
    if (stack.hot !== undefined) stack.hot.record(ns.name, key);
    if (stack.critical.active) {
      stack.critical.consider(ns.name, key, o.tags, o.ttlMs, () =>
        this.#refreshNow(key, l1Key, loader as Loader<unknown>, o),
      );
    }
    const rel = stack.rel();
    let localStale: Entry | undefined;
    if (!o.skipL1 && !o.forceFresh && stack.l1Usable) {
      const stored = stack.l1Get(l1Key);
      if (stored !== undefined) {
        const box = stored instanceof L1Box ? stored : undefined;
        if (!box || box.f > rel) {
          ns.l1Hits++;
          if (stack.s.events.has('hit'))
            stack.s.events.emit('hit', { namespace: ns.name, key, tier: 'l1' });
          if (o.eagerRefresh > 0) {
            const remaining = box ? box.f - rel : (stack.s.l1?.remainingTtl(l1Key) ?? 0);
            if (remaining <= o.ttlMs * (1 - o.eagerRefresh)) {
              this.#refresh(key, l1Key, loader as Loader<unknown>, o, undefined);
            }
          }
          return (box ? box.value : stored) as T;
        }
        localStale = stack.toEntry(box);
      }
    }
    let flight = o.forceFresh ? undefined : (stack.loads.get(l1Key) as LoadFlight | undefined);
    if (!flight) {
      flight = startLoad({
        stack,
        ns,
        key,
        l1Key,
        loader: loader as Loader<unknown>,
        o,
        lock: this.#lock,
        localStale,
      });
    }
    const entry = await awaitFlight(stack, ns, key, flight, o, localStale);
    return entry.value as T;
  }

  #refresh(
    key: string,
    l1Key: string,
    loader: Loader<unknown>,
    o: ResolvedLoadOptions,
    current: Entry | undefined,
  ): void {
    const stack = this.#stack;
    if (stack.loads.has(l1Key)) return;
    const refreshOptions = { ...o, forceFresh: true };
    const flight = startLoad({
      stack,
      ns: this.#ns,
      key,
      l1Key,
      loader,
      o: refreshOptions,
      lock: this.#lock,
      localStale: current,
    });
    stack.track(
      flight.promise.catch((error: unknown) => {
        stack.s.events.emit('error', { operation: 'eager-refresh', error: error as Error });
      }),
    );
  }

  /**
   * Values of many keys; the batch loader is called once with only the keys missing
   * from every tier.
   */
  async getOrSetMany<T>(
    keys: readonly string[],
    batchLoader: BatchLoader<T>,
    options?: LoadOptions,
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    for (const key of keys) this.#check(key);
    if (typeof batchLoader !== 'function')
      throw new InvalidOptionError('batchLoader', 'must be a function');
    const o = options === undefined ? this.#defaults : resolveLoadOptions(this.#defaults, options);
    return loadMany(this.#stack, this.#ns, keys, batchLoader, o);
  }

  /**
   * Stores a value in every tier. Loaders of this key that started earlier will not
   * overwrite it. Values that cannot be serialized are rejected before anything changes.
   * @throws SerializationError, InvalidKeyError, InvalidOptionError
   */
  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    await this.setMany([{ key, value, options }]);
  }

  /** Stores several values; one L2 round trip. */
  async setMany(
    items: readonly { key: string; value: unknown; options?: SetOptions }[],
  ): Promise<void> {
    if (!Array.isArray(items)) throw new InvalidOptionError('items', 'expected an array');
    const stack = this.#stack;
    const ns = this.#ns;
    const prepared = items.map((item) => {
      this.#check(item?.key);
      const o =
        item.options === undefined
          ? this.#defaults
          : resolveLoadOptions(this.#defaults, item.options as LoadOptions);
      return { key: item.key, o, entry: makeEntry(item.value, o, stack.s.now()) };
    });
    const l2 = stack.s.l2;
    // Serialize everything first: a bad value fails the call before any tier changes.
    const encoded = l2
      ? await Promise.all(prepared.map((p) => (p.o.skipL2 ? undefined : l2.encode(p.entry))))
      : [];
    for (const p of prepared) {
      const l1Key = ns.l1Prefix + p.key;
      stack.fenceKey(ns, l1Key);
      if (p.o.skipL1) stack.s.l1?.delete(l1Key);
      else stack.l1Set(ns, l1Key, p.entry, false);
    }
    if (l2) {
      const writes = prepared
        .map((p, i) => ({ p, bytes: encoded[i] }))
        .filter(
          (w): w is { p: (typeof prepared)[number]; bytes: Uint8Array } => w.bytes !== undefined,
        );
      if (writes.length > 0) {
        try {
          if (writes.length === 1) {
            const w = writes[0]!;
            const ttlMs = Math.max(1, Math.ceil(w.p.entry.staleUntil - stack.s.now()));
            await l2.set(ns.name, w.p.key, w.bytes, ttlMs, w.p.entry.tags, undefined);
          } else {
            const t = stack.s.now();
            await l2.setMany(
              ns.name,
              writes.map((w) => ({
                key: w.p.key,
                value: w.bytes,
                ttlMs: Math.max(1, Math.ceil(w.p.entry.staleUntil - t)),
                tags: w.p.entry.tags,
              })),
              undefined,
            );
          }
        } catch {
          // reported as l2:error; the stale L2 value is deleted when L2 is back
        }
      }
    }
    const events = stack.s.events;
    if (events.has('set')) {
      for (const p of prepared) {
        events.emit('set', {
          namespace: ns.name,
          key: p.key,
          ttlMs: p.entry.freshUntil - p.entry.createdAt,
          tiers: ['l1', 'l2'],
        });
      }
    }
    stack.publish({ type: 'set', namespace: ns.name, keys: prepared.map((p) => p.key) });
  }

  /** Deletes a key from every tier and from every instance's L1. */
  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  /**
   * Deletes keys everywhere. When L2 is unreachable the deletion is queued and replayed
   * (and these keys are not read from L2 meanwhile); the `l2:error` event reports it.
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
    for (const key of keys) this.#check(key);
    if (keys.length === 0) return;
    const stack = this.#stack;
    stack.invalidateKeysLocal(this.#ns, keys);
    const l2 = stack.s.l2;
    if (l2) {
      try {
        await l2.delete(this.#ns.name, keys);
      } catch {
        // queued for replay by the remote tier
      }
      // A read that raced the L2 delete may have promoted the old value: drop it again.
      stack.invalidateKeysLocal(this.#ns, keys);
    }
    stack.s.events.emit('delete', { namespace: this.#ns.name, keys });
    stack.publish({ type: 'delete', namespace: this.#ns.name, keys: [...keys] });
  }

  /** Deletes every entry carrying any of the tags, in every tier and instance. */
  async deleteByTag(tags: string | readonly string[]): Promise<void> {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    const list = resolveTags(typeof tags === 'string' ? [tags] : tags);
    if (!list) return;
    const stack = this.#stack;
    stack.invalidateTagsLocal(this.#ns, list);
    const l2 = stack.s.l2;
    if (l2) {
      try {
        await l2.deleteByTag(this.#ns.name, list);
      } catch {
        // queued for replay by the remote tier
      }
      stack.invalidateTagsLocal(this.#ns, list);
    }
    stack.s.events.emit('delete-tags', { namespace: this.#ns.name, tags: list });
    stack.publish({ type: 'delete-tags', namespace: this.#ns.name, tags: list });
  }

  /** Deletes every entry of this namespace, in every tier and instance. */
  async clear(): Promise<void> {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    const stack = this.#stack;
    stack.clearLocal(this.#ns);
    const l2 = stack.s.l2;
    if (l2) {
      try {
        await l2.clear(this.#ns.name);
      } catch {
        // queued for replay by the remote tier
      }
      stack.clearLocal(this.#ns);
    }
    stack.s.events.emit('clear', { namespace: this.#ns.name });
    stack.publish({ type: 'clear', namespace: this.#ns.name });
  }

  /** Reloads a key now (critical refresh); rejects when the loader fails (stale is kept). */
  async #refreshNow(
    key: string,
    l1Key: string,
    loader: Loader<unknown>,
    o: ResolvedLoadOptions,
  ): Promise<Entry> {
    const stack = this.#stack;
    if (this.#closed || stack.closed) throw new ClosedError();
    const flight = startLoad({
      stack,
      ns: this.#ns,
      key,
      l1Key,
      loader,
      o: { ...o, forceFresh: true },
      lock: this.#lock,
      localStale: undefined,
    });
    const entry = await flight.promise;
    if (flight.error !== undefined) throw new LoaderError(key, { cause: flight.error });
    return entry;
  }

  /**
   * Declares entries of this namespace critical: once read through `getOrSet`, they are
   * reloaded in the background before they expire (with jitter, and backoff when the
   * loader fails; the stale value stays served within grace meanwhile). Stops on close.
   */
  markCritical(selector: CriticalSelector, options: CriticalRefreshOptions = {}): void {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    if (selector === null || typeof selector !== 'object')
      throw new InvalidOptionError('selector', 'expected { keys?, tags?, all? }');
    if (options.at !== undefined && !(options.at > 0 && options.at < 1)) {
      throw new InvalidOptionError('at', 'must be in (0, 1)');
    }
    if (options.jitter !== undefined && !(options.jitter >= 0 && options.jitter < 1)) {
      throw new InvalidOptionError('jitter', 'must be in [0, 1)');
    }
    this.#stack.critical.mark(this.#ns.name, selector, options);
  }

  /**
   * Warms the cache from keys with a loader, keys with a batch loader, or entries;
   * high-priority namespaces first, with bounded concurrency, cancellable. Idempotent:
   * fresh values are not loaded again. Failures are reported per key, never abort.
   */
  async warmup(
    sources: WarmupSource | readonly WarmupSource[],
    options: WarmupOptions = {},
  ): Promise<WarmupReport> {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    const list = Array.isArray(sources)
      ? (sources as readonly WarmupSource[])
      : [sources as WarmupSource];
    if (options.concurrency !== undefined) intOption('concurrency', options.concurrency, 1, 8);
    const events = this.#stack.s.events;
    return runWarmup(list, this, options, (p) => events.emit('warmup:progress', p));
  }

  /**
   * Evicts the least valuable `fraction` of L1 (by its eviction policy), e.g. when the
   * process is under memory pressure. Returns how many entries were evicted.
   */
  shrinkL1(fraction: number): number {
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
      throw new InvalidOptionError('fraction', 'must be in (0, 1]');
    }
    return this.#stack.s.l1?.shrink(fraction) ?? 0;
  }

  /** Publishes this instance's hot keys to the exchange now (also done periodically). */
  async publishHotKeys(): Promise<void> {
    await this.#stack.publishHotKeys();
  }

  /** This instance's hottest keys (needs the `hotKeys` option). */
  hotKeys(limit?: number): HotKey[] {
    return this.#stack.hot?.top(limit) ?? [];
  }

  /**
   * Copies the union of the peers' hot keys from L2 into this instance's L1 (bounded by
   * count and estimated bytes). Needs `hotKeys.exchange` and an L2.
   */
  async warmFromPeers(
    options: { maxKeys?: number; maxBytes?: number } = {},
  ): Promise<{ warmed: number; considered: number }> {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    const stack = this.#stack;
    const exchange = stack.exchange;
    const l2 = stack.s.l2;
    if (!exchange || !l2)
      throw new InvalidOptionError(
        'hotKeys.exchange',
        'warmFromPeers needs hotKeys.exchange and an L2',
      );
    const maxKeys = intOption('maxKeys', options.maxKeys, 1, 1000);
    const maxBytes = intOption('maxBytes', options.maxBytes, 1, 16 * 1024 * 1024);
    const peers = (await exchange.collect(stack.instanceId)).slice(0, maxKeys);
    const byNamespace = new Map<string, string[]>();
    for (const hot of peers) {
      const list = byNamespace.get(hot.namespace) ?? [];
      list.push(hot.key);
      byNamespace.set(hot.namespace, list);
    }
    let warmed = 0;
    let bytes = 0;
    for (const [name, keys] of byNamespace) {
      const ns = stack.namespace(name, name === this.#rootName());
      const { entries } = await l2.getMany(name, keys, false);
      const now = stack.s.now();
      for (let i = 0; i < keys.length; i++) {
        const entry = entries[i];
        if (!entry || entry.freshUntil <= now) continue;
        bytes += estimateSize(entry.value);
        if (bytes > maxBytes) return { warmed, considered: peers.length };
        if (stack.l1Set(ns, ns.l1Prefix + keys[i]!, entry, false)) warmed++;
      }
    }
    return { warmed, considered: peers.length };
  }

  #rootName(): string {
    return this.#stack.namespaces.keys().next().value as string;
  }

  /**
   * A child cache for a namespace, sharing tiers, bus and lock, with its own defaults
   * and priority. Namespaces are isolated: same key, different values.
   */
  namespace(name: string, options: NamespaceOptions = {}): Cache {
    if (this.#closed || this.#stack.closed) throw new ClosedError();
    assertName('namespace', name);
    const full = this.#root ? name : `${this.#ns.name}.${name}`;
    if (full === this.#stack.namespaces.keys().next().value) {
      throw new InvalidKeyError(`namespace "${name}" is the root namespace`);
    }
    const ns = this.#stack.namespace(full, false);
    if (options.priority !== undefined) {
      if (!['high', 'medium', 'low'].includes(options.priority)) {
        throw new InvalidOptionError('priority', "expected 'high', 'medium' or 'low'");
      }
      ns.priority = options.priority;
    }
    const defaults = resolveLoadOptions(this.#defaults, options.defaults);
    return new Cache(this.#stack, ns, defaults, this.#lock, false);
  }

  /**
   * Closes the cache: waits for background work, aborts running loaders, detaches from
   * the bus and closes the bus and the L2 store it was given. Idempotent. On a namespace
   * view it only closes the view.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#root) return;
    const stack = this.#stack;
    stack.closed = true;
    stack.critical.stop();
    stack.stopHotKeys();
    for (const flight of stack.loads.values()) (flight as LoadFlight).controller?.abort();
    await Promise.allSettled([...stack.background]);
    stack.detach();
    await Promise.allSettled([stack.s.bus?.close(), stack.s.l2?.close(), stack.exchange?.close()]);
  }

  /** Same as {@link Cache.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a cache.
 * @throws InvalidOptionError / InvalidKeyError for invalid options.
 * @example
 * const cache = createCache({ l2: redisStore({ url, prefix: 'app' }), defaults: { ttl: '5m', grace: '1h' } });
 * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id));
 */
export function createCache(options: CacheOptions = {}): Cache {
  assertObject('options', options);
  assertKnownOptions('', options, OPTION_NAMES.cache);
  const namespace = options.namespace ?? 'default';
  assertName('namespace', namespace);
  if (options.clock !== undefined && !isClock(options.clock))
    throw new InvalidOptionError(
      'clock',
      'expected a Clock { now, monotonic, setTimeout, clearTimeout }',
    );
  if (options.clock !== undefined && options.now !== undefined)
    throw new InvalidOptionError('now', 'pass either now or clock, not both');
  const clock = options.clock;
  const now = clock ? () => clock.now() : (options.now ?? Date.now);
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  if (options.logger !== undefined) assertLogger(options.logger);
  if (options.bus !== undefined) assertBus(options.bus);
  if (options.serializer !== undefined) assertSerializer(options.serializer);
  if (options.codec !== undefined) assertCodec('codec', options.codec);
  if (options.decoders !== undefined) assertDecoders(options.decoders);
  const logger = options.logger ?? noopLogger;
  const events = new CacheEvents();
  const maxKeyLength = intOption('maxKeyLength', options.maxKeyLength, 1, 1024);

  let l1: MemoryTier | undefined;
  const l1o = options.l1 === undefined ? {} : options.l1;
  let promotion: 'immediate' | 'frequency' | { afterHits: number; windowMs: string | number } =
    'immediate';
  let promotionWindowMs = 0;
  let maxEntries = 0;
  let sizeOf: ((value: unknown) => number) | undefined;
  if (l1o !== false) {
    if (typeof l1o !== 'object' || l1o === null || Array.isArray(l1o))
      throw new InvalidOptionError('l1', 'expected an object or false');
    assertKnownOptions('l1', l1o, OPTION_NAMES.l1);
    maxEntries = intOption('l1.maxEntries', l1o.maxEntries, 1, 10_000);
    const maxBytes = bytesOption('l1.maxBytes', l1o.maxBytes, 0);
    const policy = l1o.policy ?? 'lru';
    if (!['w-tinylfu', 'lru', 'fifo', 'lfu'].includes(policy))
      throw new InvalidOptionError('l1.policy', "expected 'w-tinylfu', 'lru', 'fifo' or 'lfu'");
    const admission = l1o.admission ?? 'none';
    if (!['none', 'tinylfu'].includes(admission))
      throw new InvalidOptionError('l1.admission', "expected 'none' or 'tinylfu'");
    promotion = l1o.promotion ?? 'immediate';
    if (typeof promotion === 'object' && promotion !== null) {
      intOption('l1.promotion.afterHits', promotion.afterHits, 1, 1);
      promotionWindowMs = durationOption('l1.promotion.windowMs', promotion.windowMs, 60_000);
      if (promotionWindowMs <= 0)
        throw new InvalidOptionError('l1.promotion.windowMs', 'must be > 0');
    } else if (promotion !== 'immediate' && promotion !== 'frequency') {
      throw new InvalidOptionError(
        'l1.promotion',
        "expected 'immediate', 'frequency' or { afterHits, windowMs }",
      );
    }
    if (l1o.sizeOf !== undefined && typeof l1o.sizeOf !== 'function')
      throw new InvalidOptionError('l1.sizeOf', 'must be a function');
    sizeOf = maxBytes > 0 ? (l1o.sizeOf ?? estimateSize) : undefined;
    l1 = new MemoryTier({
      maxEntries,
      maxBytes,
      policy,
      admission,
      trackFrequency: promotion === 'frequency',
      now,
      sizeOf: sizeOf ?? (() => 0),
      onEvict: (key, reason) => {
        if (events.has('evict')) events.emit('evict', { key, reason });
        if (coreChannels.evict.hasSubscribers) coreChannels.evict.publish({ key, reason });
      },
    });
  }

  let l2: RemoteTier | undefined;
  if (options.l2 !== undefined) {
    let l2o: L2Options;
    if (isStore(options.l2)) {
      assertStore('l2', options.l2);
      l2o = { store: options.l2 };
    } else {
      assertObject('l2', options.l2);
      assertKnownOptions('l2', options.l2, OPTION_NAMES.l2);
      l2o = options.l2 as L2Options;
      if (!isStore(l2o.store))
        throw new InvalidOptionError('l2', 'expected a RemoteStore or { store }');
      assertStore('l2.store', l2o.store);
    }
    const codecs: readonly Codec[] = options.decoders ?? [];
    l2 = new RemoteTier({
      store: l2o.store,
      serializer: options.serializer ?? jsonSerializer,
      codec: options.codec,
      decoders: codecs,
      timeoutMs: durationOption('l2.timeoutMs', l2o.timeoutMs, 1000),
      failureThreshold: intOption('l2.failureThreshold', l2o.failureThreshold, 1, 5),
      breakDurationMs: durationOption('l2.breakDurationMs', l2o.breakDurationMs, 5000),
      closeStore: l2o.closeStore ?? true,
      maxPendingInvalidations: intOption(
        'l2.maxPendingInvalidations',
        l2o.maxPendingInvalidations,
        1,
        10_000,
      ),
      events,
      logger,
      now,
    });
  }

  let lock: ResolvedLock | undefined;
  if (options.lock !== undefined) {
    assertObject('lock', options.lock);
    assertKnownOptions('lock', options.lock, OPTION_NAMES.lock);
    assertLocker(options.lock.locker);
    lock = {
      locker: options.lock.locker,
      acquireTimeoutMs: durationOption(
        'lock.acquireTimeoutMs',
        options.lock.acquireTimeoutMs,
        5000,
      ),
      leaseMs: durationOption('lock.leaseMs', options.lock.leaseMs, 30_000),
    };
  }
  const defaults = resolveLoadOptions(BASE_DEFAULTS, options.defaults);
  const stack = new Stack({
    l1,
    l2,
    bus: options.bus,
    events,
    logger,
    now,
    maxKeyLength,
    promotion: promotion as never,
    promotionWindowMs,
    maxEntries,
    sizeOf,
  });
  if (options.hotKeys !== undefined) {
    const h = options.hotKeys;
    assertObject('hotKeys', h);
    assertKnownOptions('hotKeys', h, OPTION_NAMES.hotKeys);
    stack.enableHotKeys({
      topK: intOption('hotKeys.topK', h.topK, 1, 100),
      exchange: h.exchange,
      instanceId: h.instanceId ?? `cs-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
      publishIntervalMs: durationOption('hotKeys.publishIntervalMs', h.publishIntervalMs, 30_000),
    });
  }
  const ns = stack.namespace(namespace, true);
  return new Cache(stack, ns, defaults, lock, true);
}
