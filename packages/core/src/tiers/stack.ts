import type { Bus } from '../contracts/bus.js';
import type { Clock } from '../contracts/clock.js';
import type { Entry } from '../contracts/entry.js';
import type { CacheEvents } from '../contracts/events.js';
import type { Logger } from '../contracts/logger.js';
import type { Priority, PromotionStrategy } from '../contracts/options.js';
import { AdaptiveTtl } from '../features/adaptive-ttl.js';
import { CriticalRefresher } from '../features/critical-refresh.js';
import type { HotKeySharing } from '../features/hot-key-sharing.js';
import { Flights } from './flights.js';
import { L1Box, l1Offset } from './l1-box.js';
import type { MemoryTier } from './memory-tier.js';
import { Promotion } from './promotion.js';
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

/** What a stack is built from (resolved by `createCache`). */
export interface StackSettings {
  readonly l1: MemoryTier | undefined;
  readonly l2: RemoteTier | undefined;
  readonly bus: Bus | undefined;
  readonly events: CacheEvents;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly maxKeyLength: number;
  readonly promotion: PromotionStrategy;
  readonly promotionWindowMs: number;
  readonly maxEntries: number;
}

const PRIORITY_BONUS: Record<Priority, number> = { high: 2, medium: 0, low: -1 };

/**
 * What a cache and all its namespaces share: the tiers, the clock, the events, the loads
 * in flight, the namespaces and the features that run beside them. Not exported from the
 * package; `Cache` is the public face.
 */
export class Stack {
  readonly l1: MemoryTier | undefined;
  readonly l2: RemoteTier | undefined;
  readonly bus: Bus | undefined;
  readonly events: CacheEvents;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Longest key, UTF-8 bytes. */
  readonly maxKeyLength: number;
  /** Time L1 offsets are relative to (the clock at creation). */
  readonly base: number;
  readonly namespaces = new Map<string, NamespaceState>();
  /** Loads in flight (single flight) and their fences. */
  readonly flights = new Flights();
  /** Background tasks (eager refresh, soft-timeout completions) awaited on close. */
  readonly background = new Set<Promise<unknown>>();
  /** When an L2 hit goes into L1. */
  readonly promotion: Promotion;
  /** Background refresh of critical entries. */
  readonly critical: CriticalRefresher;
  /** Hot-key tracking and sharing, when enabled. */
  hotKeys: HotKeySharing | undefined;
  closed = false;
  /** Set while the bus is disconnected: L1 may have missed invalidations, so it is bypassed. */
  busDown = false;
  readonly #maxEntries: number;
  #adaptive: AdaptiveTtl | undefined;

  constructor(settings: StackSettings) {
    this.l1 = settings.l1;
    this.l2 = settings.l2;
    this.bus = settings.bus;
    this.events = settings.events;
    this.logger = settings.logger;
    this.clock = settings.clock;
    this.maxKeyLength = settings.maxKeyLength;
    this.#maxEntries = settings.maxEntries;
    this.base = Math.floor(settings.clock.now());
    this.promotion = new Promotion(
      settings.promotion,
      settings.promotionWindowMs,
      settings.l1,
      settings.clock,
      settings.maxEntries,
    );
    this.critical = new CriticalRefresher(settings.events, settings.clock);
    this.busDown = settings.bus !== undefined && settings.bus.state !== 'connected';
  }

  /** Adaptive TTL state, created on first use. */
  get adaptive(): AdaptiveTtl {
    this.#adaptive ??= new AdaptiveTtl(Math.max(10_000, this.#maxEntries));
    return this.#adaptive;
  }

  /** `now` as an L1 offset. */
  rel(): number {
    return this.clock.now() - this.base;
  }

  /** An L1 box as a full entry (for stale fallbacks; createdAt is not kept in L1). */
  toEntry(box: L1Box): Entry {
    const freshUntil = this.base + box.freshOffset;
    return {
      value: box.value,
      createdAt: freshUntil,
      freshUntil,
      staleUntil: this.base + box.staleOffset,
      tags: box.tags,
    };
  }

  /** Whether L1 may be used now (it exists and the bus, if any, is connected). */
  get l1Usable(): boolean {
    return this.l1 !== undefined && !this.busDown;
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

  /** The root namespace's name (the first one created). */
  get rootName(): string {
    return this.namespaces.keys().next().value as string;
  }

  /**
   * What L1 holds for a key: a plain (fresh) value, an {@link L1Box} (fresh or stale
   * within grace: compare `freshOffset` with {@link Stack.rel}), or `undefined`.
   * Expired entries are never returned. Only call when {@link Stack.l1Usable}.
   */
  l1Get(l1Key: string): unknown {
    return this.l1!.get(l1Key);
  }

  /** Stores an entry in L1 (through the admission filter when `promoted`). */
  l1Set(ns: NamespaceState, l1Key: string, entry: Entry, promoted: boolean): boolean {
    const l1 = this.l1;
    if (!l1 || this.busDown) return false;
    const ttlMs = entry.staleUntil - this.clock.now();
    const boxed =
      entry.tags !== undefined ||
      entry.staleUntil > entry.freshUntil ||
      entry.value === undefined ||
      entry.value === null;
    const stored = boxed
      ? new L1Box(
          entry.value,
          l1Offset(entry.freshUntil - this.base),
          l1Offset(entry.staleUntil - this.base),
          entry.tags,
        )
      : (entry.value as {});
    return l1.set(l1Key, stored, ttlMs, promoted, PRIORITY_BONUS[ns.priority]);
  }

  /** Detaches the stack from its bus; set by `createCache` when it links one. */
  unlinkBus: () => void = () => {};

  /**
   * Stops the features, aborts running loaders, waits for background work, detaches from
   * the bus and closes the bus, the L2 store and the hot-key exchange.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.critical.stop();
    this.hotKeys?.stop();
    for (const flight of this.flights.values()) flight.controller?.abort();
    await Promise.allSettled([...this.background]);
    this.unlinkBus();
    await Promise.allSettled([
      this.bus?.close(),
      this.l2?.close(),
      this.hotKeys?.exchange?.close(),
    ]);
  }

  /** Tracks a background task so `close()` can wait for it. */
  track(task: Promise<unknown>): void {
    const tracked = task.catch(() => {}).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}
