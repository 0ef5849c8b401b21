import { ClosedError, InvalidOptionError } from '@cachestack/core';
import { commit, type Evaluation, evaluate, newEvaluation, type SlotState } from './algorithms.js';
import type { RateLimitStore, ResolvedRule, StoreAnswer, StoreRequest } from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most (rule, key) states kept; beyond it the least recently written is dropped
   * (approximately: a state is moved to the young end at most once per `maxKeys / 2`
   * writes). A dropped key starts afresh, i.e. it errs towards admitting.
   * @defaultValue `100_000`
   */
  readonly maxKeys?: number;
  /**
   * Clock, integer milliseconds.
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

interface Entry extends SlotState {
  /** Write counter value when the entry was last (re)inserted. */
  seq: number;
}

/**
 * In-process store. Bounded and timer-free: states expire lazily when read, expired
 * ones at the old end are swept a few at a time when keys are added, and an LRU cap
 * bounds memory. Decisions are synchronous ({@link MemoryStore.applySync}).
 */
export class MemoryStore implements RateLimitStore {
  /** Always `'memory'`. */
  readonly kind = 'memory' as const;
  readonly #maxKeys: number;
  readonly #now: () => number;
  // One Map per rule id, keyed by the checked key; insertion order is (approximate) write order.
  readonly #tables = new Map<string, Map<string, Entry>>();
  #size = 0;
  #seq = 0;
  readonly #evals: Evaluation[] = [newEvaluation()];
  readonly #states: (Entry | undefined)[] = [undefined];
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new InvalidOptionError('maxKeys', `must be a positive integer, got ${maxKeys}`);
    }
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** Number of (rule, key) states held. */
  get size(): number {
    return this.#size;
  }

  /** Applies requests; see {@link MemoryStore.applySync}. */
  apply(requests: readonly StoreRequest[]): Promise<StoreAnswer[]> {
    try {
      return Promise.resolve(requests.map((r) => this.applySync(r)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #table(rule: ResolvedRule): Map<string, Entry> {
    let table = this.#tables.get(rule.id);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(rule.id, table);
    }
    return table;
  }

  /**
   * Fast path of one rule on one key: evaluates (and, unless `peek`, commits) and returns
   * the store's scratch evaluation, valid until the next call.
   */
  decideOne(rule: ResolvedRule, key: string, cost: number, peek: boolean): Evaluation {
    if (this.#closed) throw new ClosedError('rate limit memory store');
    const t = Math.floor(this.#now());
    const table = this.#table(rule);
    let s = table.get(key);
    if (s !== undefined && s.expiresAt <= t) s = undefined;
    const e = this.#evals[0]!;
    evaluate(rule, s, t, cost, e);
    if (cost > 0 && s !== undefined && s.blockedUntil > t)
      this.#blockedAnswer(e, s.blockedUntil - t);
    if (!peek) {
      if (e.allowed) this.#commit(table, rule, key, s, t, cost, e);
      else if (s === undefined || s.blockedUntil <= t) this.#startBlock(table, rule, key, s, t, e);
    }
    return e;
  }

  /** Applies one request now: 4 numbers per rule (allowed, remaining, resetMs, retryAfterMs). */
  applySync(request: StoreRequest): number[] {
    if (this.#closed) throw new ClosedError('rate limit memory store');
    const t = Math.floor(this.#now());
    const { rules, keys, cost, op } = request;
    const n = rules.length;
    const out = new Array<number>(n * 4);
    if (op === 'reset') {
      for (let i = 0; i < n; i++) {
        const table = this.#tables.get(rules[i]!.id);
        if (table?.delete(keys[i]!) === true) this.#size--;
        out[i * 4] = 1;
        out[i * 4 + 1] = rules[i]!.burst;
        out[i * 4 + 2] = 0;
        out[i * 4 + 3] = 0;
      }
      return out;
    }
    while (this.#evals.length < n) {
      this.#evals.push(newEvaluation());
      this.#states.push(undefined);
    }
    let all = true;
    for (let i = 0; i < n; i++) {
      const rule = rules[i]!;
      let s = this.#table(rule).get(keys[i]!);
      if (s !== undefined && s.expiresAt <= t) s = undefined;
      this.#states[i] = s;
      const e = this.#evals[i]!;
      evaluate(rule, s, t, cost, e);
      if (cost > 0 && s !== undefined && s.blockedUntil > t)
        this.#blockedAnswer(e, s.blockedUntil - t);
      if (!e.allowed) all = false;
    }
    for (let i = 0; i < n; i++) {
      const rule = rules[i]!;
      const e = this.#evals[i]!;
      if (op === 'check') {
        const s = this.#states[i];
        const table = this.#table(rule);
        if (all) this.#commit(table, rule, keys[i]!, s, t, cost, e);
        else if (!e.allowed && (s === undefined || s.blockedUntil <= t)) {
          this.#startBlock(table, rule, keys[i]!, s, t, e);
        }
      }
      out[i * 4] = e.allowed ? 1 : 0;
      out[i * 4 + 1] = e.remaining;
      out[i * 4 + 2] = e.resetMs;
      out[i * 4 + 3] = e.retryAfterMs;
    }
    return out;
  }

  #blockedAnswer(e: Evaluation, waitMs: number): void {
    // A block never shortens the wait the algorithm itself asks for.
    if (e.allowed || e.retryAfterMs < waitMs) e.retryAfterMs = waitMs;
    e.allowed = false;
    e.remaining = 0;
    e.resetMs = e.retryAfterMs;
  }

  #startBlock(
    table: Map<string, Entry>,
    rule: ResolvedRule,
    key: string,
    s: Entry | undefined,
    t: number,
    e: Evaluation,
  ): void {
    if (rule.blockDurationMs <= 0) return;
    const entry = this.#commit(table, rule, key, s, t, 0, e);
    entry.blockedUntil = t + rule.blockDurationMs;
    entry.expiresAt = Math.max(entry.expiresAt, entry.blockedUntil);
    this.#blockedAnswer(e, rule.blockDurationMs);
  }

  #commit(
    table: Map<string, Entry>,
    rule: ResolvedRule,
    key: string,
    s: Entry | undefined,
    t: number,
    cost: number,
    e: Evaluation,
  ): Entry {
    const seq = ++this.#seq;
    let existing = s;
    if (existing === undefined) {
      // An expired state still in the table is recycled as a fresh one.
      existing = table.get(key);
      if (existing !== undefined) {
        existing.log = undefined;
        existing.head = 0;
        existing.blockedUntil = 0;
      }
    }
    const entry = commit(rule, existing, t, cost, e) as Entry;
    if (existing === undefined) {
      entry.seq = seq;
      table.set(key, entry);
      this.#size++;
      this.#sweep(table, key, t);
    } else if (seq - existing.seq > this.#maxKeys >> 1) {
      // In the older half: move it to the young end so eviction spares active keys.
      existing.seq = seq;
      table.delete(key);
      table.set(key, existing);
    }
    return entry;
  }

  #sweep(table: Map<string, Entry>, added: string, t: number): void {
    // Drop up to two expired states from the old end, then enforce the cap.
    for (let i = 0; i < 2; i++) {
      const oldest = table.keys().next();
      if (oldest.done === true || oldest.value === added) break;
      const s = table.get(oldest.value)!;
      if (s.expiresAt > t) break;
      table.delete(oldest.value);
      this.#size--;
    }
    while (this.#size > this.#maxKeys) {
      let victim = table;
      if (victim.size <= 1) {
        for (const other of this.#tables.values()) if (other.size > victim.size) victim = other;
      }
      const oldest = victim.keys().next();
      if (oldest.done === true || oldest.value === added) break;
      victim.delete(oldest.value);
      this.#size--;
    }
  }

  /** Forgets every state of `key`, under every rule. */
  async resetKey(key: string): Promise<void> {
    if (this.#closed) throw new ClosedError('rate limit memory store');
    for (const table of this.#tables.values()) if (table.delete(key)) this.#size--;
  }

  /** Drops every state. */
  clear(): void {
    this.#tables.clear();
    this.#size = 0;
  }

  /** Closes the store (idempotent); later calls throw `ClosedError`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.clear();
  }
}
