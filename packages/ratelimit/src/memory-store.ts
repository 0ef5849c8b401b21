import { ClosedError, InvalidOptionError } from '@cachestack/core';
import { commit, type Evaluation, evaluate, newEvaluation, type SlotState } from './algorithms.js';
import type { RateLimitStore, StoreAnswer, StoreRequest } from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most (rule, key) states kept; the least recently written is dropped beyond it
   * (that key starts afresh, i.e. it errs towards admitting).
   * @defaultValue `100_000`
   */
  readonly maxKeys?: number;
  /**
   * Clock, integer milliseconds.
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

/**
 * In-process store. Bounded and timer-free: states expire lazily when read, the oldest
 * written ones are swept a few at a time on writes, and an LRU cap bounds memory.
 * Decisions are synchronous ({@link MemoryStore.applySync}); `apply` wraps them.
 */
export class MemoryStore implements RateLimitStore {
  /** Always `'memory'`. */
  readonly kind = 'memory' as const;
  readonly #maxKeys: number;
  readonly #now: () => number;
  // Insertion order is write order: re-inserting on every write makes Map an LRU.
  readonly #map = new Map<string, SlotState>();
  readonly #evals: Evaluation[] = [newEvaluation()];
  readonly #states: (SlotState | undefined)[] = [undefined];
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
    return this.#map.size;
  }

  /** Applies requests; see {@link MemoryStore.applySync}. */
  apply(requests: readonly StoreRequest[]): Promise<StoreAnswer[]> {
    try {
      return Promise.resolve(requests.map((r) => this.applySync(r)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Applies one request now: 4 numbers per rule (allowed, remaining, resetMs, retryAfterMs). */
  applySync(request: StoreRequest, time?: number): number[] {
    if (this.#closed) throw new ClosedError('rate limit memory store');
    const t = time ?? Math.floor(this.#now());
    const { rules, keys, cost, op } = request;
    const n = rules.length;
    const out = new Array<number>(n * 4);
    if (op === 'reset') {
      for (let i = 0; i < n; i++) {
        this.#map.delete(`${rules[i]!.id}\u0000${keys[i]!}`);
        out[i * 4] = 1;
        out[i * 4 + 1] = rules[i]!.limit;
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
      let s = this.#map.get(`${rule.id}\u0000${keys[i]!}`);
      if (s !== undefined && s.expiresAt <= t) s = undefined;
      this.#states[i] = s;
      const e = this.#evals[i]!;
      evaluate(rule, s, t, cost, e);
      if (cost > 0 && s !== undefined && s.blockedUntil > t) {
        e.allowed = false;
        e.remaining = 0;
        e.retryAfterMs = s.blockedUntil - t;
        if (e.resetMs < e.retryAfterMs) e.resetMs = e.retryAfterMs;
      }
      if (!e.allowed) all = false;
    }
    for (let i = 0; i < n; i++) {
      const rule = rules[i]!;
      const e = this.#evals[i]!;
      if (op === 'check') {
        const s = this.#states[i];
        const blocked = s !== undefined && s.blockedUntil > t;
        if (all) {
          this.#write(`${rule.id}\u0000${keys[i]!}`, commit(rule, s, t, cost, e), t);
        } else if (!e.allowed && !blocked && rule.blockDurationMs > 0) {
          const next = commit(rule, s, t, 0, e);
          next.blockedUntil = t + rule.blockDurationMs;
          next.expiresAt = Math.max(next.expiresAt, next.blockedUntil);
          e.retryAfterMs = rule.blockDurationMs;
          if (e.resetMs < e.retryAfterMs) e.resetMs = e.retryAfterMs;
          this.#write(`${rule.id}\u0000${keys[i]!}`, next, t);
        }
      }
      out[i * 4] = e.allowed ? 1 : 0;
      out[i * 4 + 1] = e.remaining;
      out[i * 4 + 2] = e.resetMs;
      out[i * 4 + 3] = e.retryAfterMs;
    }
    return out;
  }

  #write(id: string, s: SlotState, t: number): void {
    const map = this.#map;
    map.delete(id);
    map.set(id, s);
    // Sweep: drop up to two expired states from the cold end, then enforce the cap.
    let swept = 0;
    for (const [k, v] of map) {
      if (swept === 2 || v.expiresAt > t) break;
      map.delete(k);
      swept++;
    }
    while (map.size > this.#maxKeys) {
      const oldest = map.keys().next();
      if (oldest.done === true) break;
      map.delete(oldest.value);
    }
  }

  /** Drops every state. */
  clear(): void {
    this.#map.clear();
  }

  /** Closes the store (idempotent); later calls throw `ClosedError`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#map.clear();
  }
}
