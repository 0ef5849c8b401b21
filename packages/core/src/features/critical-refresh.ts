import type { Clock, ClockTimer } from '../contracts/clock.js';
import type { Entry } from '../contracts/entry.js';
import { InvalidOptionError } from '../contracts/errors.js';
import type { CacheEvents } from '../contracts/events.js';
import type { InvalidationScope } from '../contracts/invalidation.js';

/** Which entries of a namespace are critical. */
export interface CriticalSelector {
  /** These keys. */
  readonly keys?: readonly string[];
  /** Entries carrying any of these tags. */
  readonly tags?: readonly string[];
  /** Every entry of the namespace. */
  readonly all?: boolean;
}

/** How critical entries are refreshed. */
export interface CriticalRefreshOptions {
  /** Refresh when this fraction of the TTL has elapsed. @defaultValue 0.8 */
  readonly at?: number;
  /** Random spread of the refresh time, as a fraction of the TTL. @defaultValue 0.05 */
  readonly jitter?: number;
  /** First retry delay after a failed refresh; doubles per failure. @defaultValue 1000 */
  readonly backoffMs?: number;
  /** Longest retry delay. @defaultValue 60_000 */
  readonly maxBackoffMs?: number;
  /** Most keys kept under refresh (oldest registrations are dropped). @defaultValue 10_000 */
  readonly maxKeys?: number;
}

interface Registration {
  readonly namespace: string;
  readonly key: string;
  /** The tags of the `getOrSet` that registered it (what a tag invalidation matches). */
  tags: readonly string[] | undefined;
  refresh: () => Promise<Entry>;
  dueAt: number;
  failures: number;
  running: boolean;
}

interface Rule {
  readonly namespace: string;
  readonly selector: CriticalSelector;
  readonly options: Required<CriticalRefreshOptions>;
}

/**
 * Keeps critical entries fresh: each one is reloaded in the background before it
 * expires (at a fraction of its TTL, with jitter), with exponential backoff when the
 * loader fails. A failing refresh does not touch the entry, so its stale value stays
 * served within grace. One timer for all keys; it never keeps the process alive and
 * stops on close.
 */
export class CriticalRefresher {
  readonly #rules: Rule[] = [];
  readonly #registrations = new Map<string, Registration>();
  readonly #events: CacheEvents;
  readonly #clock: Clock;
  #timer: ClockTimer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #stopped = false;

  constructor(events: CacheEvents, clock: Clock) {
    this.#events = events;
    this.#clock = clock;
  }

  /** Whether any rule exists (cheap check for the hot path). */
  get active(): boolean {
    return this.#rules.length > 0;
  }

  /** Number of keys under refresh. */
  get size(): number {
    return this.#registrations.size;
  }

  /**
   * Adds a rule.
   * @throws InvalidOptionError for a selector that is not an object or options out of range
   */
  mark(namespace: string, selector: CriticalSelector, options: CriticalRefreshOptions): void {
    if (selector === null || typeof selector !== 'object')
      throw new InvalidOptionError('selector', 'expected { keys?, tags?, all? }');
    if (options.at !== undefined && !(options.at > 0 && options.at < 1)) {
      throw new InvalidOptionError('at', 'must be in (0, 1)');
    }
    if (options.jitter !== undefined && !(options.jitter >= 0 && options.jitter < 1)) {
      throw new InvalidOptionError('jitter', 'must be in [0, 1)');
    }
    this.#rules.push({
      namespace,
      selector,
      options: {
        at: options.at ?? 0.8,
        jitter: options.jitter ?? 0.05,
        backoffMs: options.backoffMs ?? 1000,
        maxBackoffMs: options.maxBackoffMs ?? 60_000,
        maxKeys: options.maxKeys ?? 10_000,
      },
    });
  }

  #rule(namespace: string, key: string, tags: readonly string[] | undefined): Rule | undefined {
    return this.#rules.find(
      (r) =>
        r.namespace === namespace &&
        (r.selector.all === true ||
          r.selector.keys?.includes(key) === true ||
          (tags !== undefined && r.selector.tags?.some((t) => tags.includes(t)) === true)),
    );
  }

  /**
   * Registers a key for refresh if a rule matches it; `refresh` reloads it and resolves
   * the new entry. Called by `getOrSet`; `ttlMs` is the TTL just used.
   */
  consider(
    namespace: string,
    key: string,
    tags: readonly string[] | undefined,
    ttlMs: number,
    refresh: () => Promise<Entry>,
  ): void {
    if (this.#stopped) return;
    const rule = this.#rule(namespace, key, tags);
    if (!rule) return;
    const id = `${namespace}\u0000${key}`;
    const existing = this.#registrations.get(id);
    if (existing) {
      existing.refresh = refresh;
      existing.tags = tags;
      return;
    }
    if (this.#registrations.size >= rule.options.maxKeys) {
      const oldest = this.#registrations.keys().next().value;
      if (oldest !== undefined) this.#registrations.delete(oldest);
    }
    const registration: Registration = {
      namespace,
      key,
      tags,
      refresh,
      dueAt: this.#dueAfter(this.#clock.now(), ttlMs, rule),
      failures: 0,
      running: false,
    };
    this.#registrations.set(id, registration);
    this.#schedule();
  }

  /**
   * Stops refreshing the keys an invalidation of `scope` covers in `namespace` (they were
   * deleted: refreshing them would bring them back). A key is registered again by its
   * next `getOrSet`. A refresh already running is not aborted: its load is fenced by the
   * same invalidation and never writes.
   */
  forget(namespace: string, scope: InvalidationScope): void {
    if (this.#registrations.size === 0) return;
    if (scope.kind === 'keys') {
      for (const key of scope.keys) this.#registrations.delete(`${namespace}\u0000${key}`);
      return;
    }
    for (const [id, r] of this.#registrations) {
      if (r.namespace !== namespace) continue;
      if (scope.kind === 'namespace' || r.tags?.some((t) => scope.tags.includes(t)) === true) {
        this.#registrations.delete(id);
      }
    }
  }

  #dueAfter(from: number, ttlMs: number, rule: Rule): number {
    const spread = ttlMs * rule.options.jitter * (Math.random() * 2 - 1);
    return from + Math.max(1, ttlMs * rule.options.at + spread);
  }

  #schedule(): void {
    if (this.#stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const r of this.#registrations.values()) if (!r.running && r.dueAt < next) next = r.dueAt;
    if (next === Number.POSITIVE_INFINITY) return;
    if (this.#timer && next >= this.#timerAt) return;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(0, next - this.#clock.now()));
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (const registration of this.#registrations.values()) {
      if (!registration.running && registration.dueAt <= now) void this.#run(registration);
    }
    this.#schedule();
  }

  async #run(r: Registration): Promise<void> {
    r.running = true;
    const rule =
      this.#rule(r.namespace, r.key, undefined) ??
      this.#rules.find((x) => x.namespace === r.namespace);
    try {
      const entry = await r.refresh();
      r.failures = 0;
      if (rule)
        r.dueAt = this.#dueAfter(this.#clock.now(), entry.freshUntil - entry.createdAt, rule);
      this.#events.emit('refresh', {
        namespace: r.namespace,
        key: r.key,
        ok: true,
        nextAt: r.dueAt,
      });
    } catch (error) {
      r.failures++;
      const base = rule?.options.backoffMs ?? 1000;
      const cap = rule?.options.maxBackoffMs ?? 60_000;
      const delay = Math.min(cap, base * 2 ** (r.failures - 1)) * (0.8 + Math.random() * 0.4);
      r.dueAt = this.#clock.now() + delay;
      this.#events.emit('refresh', {
        namespace: r.namespace,
        key: r.key,
        ok: false,
        nextAt: r.dueAt,
        error: error as Error,
      });
    } finally {
      r.running = false;
      this.#schedule();
    }
  }

  /** Stops all refreshing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#registrations.clear();
  }
}
