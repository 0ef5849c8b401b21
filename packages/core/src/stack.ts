import { LRUCache } from 'lru-cache';
import { AdaptiveTtl } from './adaptive-ttl.js';
import type { Bus, InvalidationMessage } from './bus.js';
import { CriticalRefresher } from './critical-refresh.js';
import { type Entry, L1Box } from './entry.js';
import { type CacheEvents, coreChannels } from './events.js';
import { type HotKeyExchange, HotKeyTracker } from './hot-keys.js';
import type { Lock } from './locker.js';
import type { Logger } from './logger.js';
import type { MemoryTier } from './memory-tier.js';
import type { Priority, PromotionStrategy, ResolvedLoadOptions } from './options.js';
import type { RemoteTier } from './remote-tier.js';

/** Per-namespace state shared by every view of the namespace. */
export interface NamespaceState {
  readonly name: string;
  /** Prefix of this namespace's L1 keys ('' for the root namespace). */
  readonly l1Prefix: string;
  /**
   * Bumped by every invalidation of the namespace (local or from the bus). A plain L2
   * read promotes its result into L1 only if the epoch did not move while it was in
   * flight: O(1) fencing of reads, no per-read bookkeeping.
   */
  epoch: number;
  priority: Priority;
  /** Lookup counters, always kept (one increment each), read by `Cache.stats()`. */
  l1Hits: number;
  l2Hits: number;
  misses: number;
  stale: number;
}

/**
 * An in-flight load. An invalidation of its key sets `fenced` and detaches it from
 * single flight (read after invalidate): callers already waiting keep its promise,
 * later callers start a new load.
 */
export interface Flight<T = unknown> {
  readonly namespace: string;
  readonly key: string;
  readonly tags: readonly string[] | undefined;
  fenced: boolean;
  promise: Promise<T>;
  /** The distributed lock this load holds, released as soon as the load is fenced. */
  lock?: Lock | undefined;
  /** Aborts this load's wait for its distributed lock (it will not write anyway). */
  lockWait?: AbortController | undefined;
}

/** Resolved stack-wide settings. */
export interface StackSettings {
  readonly l1: MemoryTier | undefined;
  readonly l2: RemoteTier | undefined;
  readonly bus: Bus | undefined;
  readonly events: CacheEvents;
  readonly logger: Logger;
  readonly now: () => number;
  readonly maxKeyLength: number;
  readonly promotion: PromotionStrategy;
  readonly promotionWindowMs: number;
  readonly maxEntries: number;
  readonly sizeOf: ((value: unknown) => number) | undefined;
}

const PRIORITY_BONUS: Record<Priority, number> = { high: 2, medium: 0, low: -1 };

/**
 * State shared by a cache and all its namespaces: tiers, in-flight operations, the bus
 * wiring. Not exported from the package; `Cache` is the public face.
 */
export class Stack {
  readonly s: StackSettings;
  readonly namespaces = new Map<string, NamespaceState>();
  /** In-flight loads (getOrSet), by L1 key. */
  readonly loads = new Map<string, Flight>();
  /** Background tasks (eager refresh, soft-timeout completions) awaited on close. */
  readonly background = new Set<Promise<unknown>>();
  readonly #hits: LRUCache<string, { count: number; first: number }> | undefined;
  #busDown = false;
  closed = false;
  /** Background refresh of critical entries. */
  readonly critical: CriticalRefresher;
  /** Hot-key tracking, when enabled. */
  hot: HotKeyTracker | undefined;
  #adaptive: AdaptiveTtl | undefined;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(settings: StackSettings) {
    this.s = settings;
    this.base = Math.floor(settings.now());
    this.critical = new CriticalRefresher(settings.events, settings.now);
    if (typeof settings.promotion === 'object') {
      this.#hits = new LRUCache({ max: Math.max(1000, settings.maxEntries) });
    }
    const bus = settings.bus;
    if (bus) {
      this.#busDown = bus.state !== 'connected';
      // The first connection is no reconnection: it still drops L1 (nothing was heard
      // before it) but it is no news for the log.
      let everConnected = bus.state === 'connected';
      this.#unsubscribe.push(bus.subscribe((message) => this.applyRemote(message)));
      this.#unsubscribe.push(
        bus.onStateChange((state) => {
          settings.events.emit('bus:state', { state });
          if (state === 'disconnected') {
            this.#busDown = true;
            settings.logger.warn({}, 'cachestack: bus disconnected, bypassing L1');
          } else {
            // Invalidations may have been missed while deaf: drop everything L1 holds.
            settings.l1?.clear();
            for (const [l1Key, flight] of this.loads) this.#detach(l1Key, flight);
            for (const ns of this.namespaces.values()) ns.epoch++;
            this.#busDown = false;
            if (everConnected) settings.logger.info({}, 'cachestack: bus reconnected, L1 dropped');
            else settings.logger.debug({}, 'cachestack: bus connected');
            everConnected = true;
          }
        }),
      );
    }
  }

  /** Where hot keys are shared, when configured. */
  exchange: HotKeyExchange | undefined;
  /** This instance's id for the hot-key exchange. */
  instanceId = '';
  #hotTimer: ReturnType<typeof setInterval> | undefined;

  /** Starts hot-key tracking, and periodic publishing when an exchange is given. */
  enableHotKeys(o: {
    topK: number;
    exchange: HotKeyExchange | undefined;
    instanceId: string;
    publishIntervalMs: number;
  }): void {
    this.hot = new HotKeyTracker(o.topK);
    this.exchange = o.exchange;
    this.instanceId = o.instanceId;
    if (o.exchange && o.publishIntervalMs > 0) {
      this.#hotTimer = setInterval(() => {
        void this.publishHotKeys();
      }, o.publishIntervalMs);
      this.#hotTimer.unref?.();
    }
  }

  /** Publishes the current top keys now; failures are reported as events. */
  async publishHotKeys(): Promise<void> {
    if (!this.exchange || !this.hot) return;
    try {
      await this.exchange.publish(this.instanceId, this.hot.top());
    } catch (error) {
      this.s.events.emit('error', { operation: 'hot-keys:publish', error: error as Error });
    }
  }

  /** Stops the hot-key publishing timer. */
  stopHotKeys(): void {
    if (this.#hotTimer) clearInterval(this.#hotTimer);
    this.#hotTimer = undefined;
  }

  /** Adaptive TTL state, created on first use. */
  get adaptive(): AdaptiveTtl {
    this.#adaptive ??= new AdaptiveTtl(Math.max(10_000, this.s.maxEntries));
    return this.#adaptive;
  }

  /** Time L1 offsets are relative to (the clock at creation). */
  readonly base: number;

  /** `now` as an L1 offset. */
  rel(): number {
    return this.s.now() - this.base;
  }

  /** An L1 box as a full entry (for stale fallbacks; createdAt is not kept in L1). */
  toEntry(box: L1Box): Entry {
    const freshUntil = this.base + box.f;
    return {
      value: box.value,
      createdAt: freshUntil,
      freshUntil,
      staleUntil: this.base + box.s,
      tags: box.tags,
    };
  }

  /** Whether L1 may be used now (it exists and the bus, if any, is connected). */
  get l1Usable(): boolean {
    return this.s.l1 !== undefined && !this.#busDown;
  }

  /** The namespace state, created on first use. */
  namespace(name: string, root: boolean): NamespaceState {
    let ns = this.namespaces.get(name);
    if (!ns) {
      ns = {
        name,
        l1Prefix: root ? '' : `\u0000${name}\u0000`,
        priority: 'medium',
        epoch: 0,
        l1Hits: 0,
        l2Hits: 0,
        misses: 0,
        stale: 0,
      };
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  /**
   * What L1 holds for a key: a plain (fresh) value, an {@link L1Box} (fresh or stale
   * within grace: check `f`), or `undefined`. Expired entries are never returned.
   */
  l1Get(l1Key: string): unknown {
    return this.s.l1!.get(l1Key);
  }

  /** Stores an entry in L1 (through the admission filter when `promoted`). */
  l1Set(ns: NamespaceState, l1Key: string, entry: Entry, promoted: boolean): boolean {
    const l1 = this.s.l1;
    if (!l1 || this.#busDown) return false;
    const ttlMs = entry.staleUntil - this.s.now();
    const boxed =
      entry.tags !== undefined ||
      entry.staleUntil > entry.freshUntil ||
      entry.value === undefined ||
      entry.value === null;
    const stored = boxed
      ? new L1Box(
          entry.value,
          offset(entry.freshUntil - this.base),
          offset(entry.staleUntil - this.base),
          entry.tags,
        )
      : (entry.value as {});
    return l1.set(l1Key, stored, ttlMs, promoted, PRIORITY_BONUS[ns.priority]);
  }

  /** Whether an L2 hit should be copied into L1 now, per the promotion strategy. */
  shouldPromote(l1Key: string): boolean {
    const strategy = this.s.promotion;
    if (strategy === 'immediate' || !this.s.l1) return true;
    if (strategy === 'frequency') {
      this.s.l1.touch(l1Key);
      return true; // the admission filter decides when L1 is full
    }
    const hits = this.#hits!;
    const now = this.s.now();
    const seen = hits.get(l1Key);
    if (!seen || now - seen.first > this.s.promotionWindowMs) {
      hits.set(l1Key, { count: 1, first: now });
      return strategy.afterHits <= 1;
    }
    seen.count++;
    if (seen.count >= strategy.afterHits) {
      hits.delete(l1Key);
      return true;
    }
    return false;
  }

  /**
   * Fences a load and detaches it from single flight, so that no caller arriving after
   * the invalidation joins a load that started before it (guarantee 6). Its distributed
   * lock is released at once: a fenced load never writes, and the next load of the key
   * must not wait behind it until its lease ends.
   */
  #detach(l1Key: string, flight: Flight): void {
    flight.fenced = true;
    if (this.loads.get(l1Key) === flight) this.loads.delete(l1Key);
    flight.lockWait?.abort();
    if (flight.lock) {
      const lock = flight.lock;
      flight.lock = undefined;
      lock.release().catch(() => {});
    }
  }

  /** Fences and detaches the in-flight load of a key (its result must not be written). */
  fenceKey(ns: NamespaceState, l1Key: string): void {
    ns.epoch++;
    const load = this.loads.get(l1Key);
    if (load) this.#detach(l1Key, load);
  }

  /** Fences loads of a namespace carrying any of the tags (and all its reads). */
  fenceTags(ns: NamespaceState, tags: readonly string[]): void {
    ns.epoch++;
    for (const [l1Key, flight] of this.loads) {
      if (flight.namespace !== ns.name) continue;
      // A load without tags may come back with any: fence it too.
      if (!flight.tags || flight.tags.some((t) => tags.includes(t))) this.#detach(l1Key, flight);
    }
  }

  /** Fences every in-flight load of a namespace. */
  fenceNamespace(ns: NamespaceState): void {
    ns.epoch++;
    for (const [l1Key, flight] of this.loads) {
      if (flight.namespace === ns.name) this.#detach(l1Key, flight);
    }
  }

  /** Drops L1 entries of keys and fences their flights. */
  invalidateKeysLocal(ns: NamespaceState, keys: readonly string[]): void {
    for (const key of keys) {
      const l1Key = ns.l1Prefix + key;
      this.s.l1?.delete(l1Key);
      this.fenceKey(ns, l1Key);
    }
  }

  /** Drops L1 entries carrying the tags and fences matching flights. */
  invalidateTagsLocal(ns: NamespaceState, tags: readonly string[]): void {
    const l1 = this.s.l1;
    if (l1) {
      for (const tag of tags) {
        for (const l1Key of l1.keysWithTag(tag)) {
          if (
            l1Key.startsWith(ns.l1Prefix) &&
            (ns.l1Prefix !== '' || !l1Key.startsWith('\u0000'))
          ) {
            l1.delete(l1Key);
          }
        }
      }
    }
    this.fenceTags(ns, tags);
  }

  /** Drops every L1 entry of the namespace and fences its flights. */
  clearLocal(ns: NamespaceState): void {
    const prefix = ns.l1Prefix;
    this.s.l1?.deleteWhere(
      prefix === '' ? (k) => k.charCodeAt(0) !== 0 : (k) => k.startsWith(prefix),
    );
    this.fenceNamespace(ns);
  }

  /** Applies an invalidation received from another instance. */
  applyRemote(message: InvalidationMessage): void {
    const ns = this.namespaces.get(message.namespace);
    this.s.events.emit('bus:message', { type: message.type, namespace: message.namespace });
    if (coreChannels.bus.hasSubscribers) {
      coreChannels.bus.publish({ type: message.type, namespace: message.namespace });
    }
    if (!ns) return; // nothing of that namespace lives here
    switch (message.type) {
      case 'delete':
      case 'set':
        this.invalidateKeysLocal(ns, message.keys);
        break;
      case 'delete-tags':
        this.invalidateTagsLocal(ns, message.tags);
        break;
      case 'clear':
        this.clearLocal(ns);
        break;
    }
  }

  /** Publishes an invalidation; a failure is reported, never thrown at the caller. */
  publish(message: InvalidationMessage): void {
    const bus = this.s.bus;
    if (!bus) return;
    bus.publish(message).catch((error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      this.s.events.emit('error', { operation: 'bus:publish', error: err });
      this.s.logger.warn({ err }, 'cachestack: bus publish failed');
    });
  }

  /** Tracks a background task so `close()` can wait for it. */
  track(task: Promise<unknown>): void {
    const tracked = task.catch(() => {}).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Detaches from the bus. */
  detach(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe.length = 0;
  }
}

const SMI_MAX = 2 ** 30 - 1;

/**
 * An L1 time offset. Whole milliseconds within ±12 days are forced to int32 so V8 keeps
 * them as small integers inline in the entry (a double would be boxed: ~2x the entry).
 */
function offset(ms: number): number {
  return ms < SMI_MAX && ms > -SMI_MAX ? Math.ceil(ms) | 0 : Math.ceil(ms);
}

/** Builds an entry from a value and resolved options at time `now`. */
export function makeEntry(
  value: unknown,
  o: ResolvedLoadOptions,
  now: number,
  ttlMs = o.ttlMs,
): Entry {
  const ttl =
    o.jitter > 0 ? Math.max(1, Math.round(ttlMs * (1 - Math.random() * o.jitter))) : ttlMs;
  const freshUntil = now + ttl;
  return { value, createdAt: now, freshUntil, staleUntil: freshUntil + o.graceMs, tags: o.tags };
}
