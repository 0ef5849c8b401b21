import { ClosedError, InvalidOptionError } from '@cachestack/core';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { UnsupportedOperationError } from '../errors.js';
import { type CounterStoreOptions, WindowCounter } from './window-counter.js';

/** Options of {@link CachestackStore}. */
export interface CachestackStoreOptions extends CounterStoreOptions {
  /**
   * Prepended to every key, so several limiters can share one store.
   * @defaultValue `'erl:'`
   */
  readonly prefix?: string;
}

/**
 * An express-rate-limit (7 and 8) `Store` on cachestack's rate-limit stores: counts live
 * in memory or, with a `RedisStore`, in Redis (one scripted round trip per hit, server
 * clock), shared by every process. express-rate-limit keeps its own options (`limit`,
 * `windowMs`, headers, handler); this store only counts hits per fixed window.
 *
 * `resetAll` works with the default in-process store only; on a remote store it throws
 * `UnsupportedOperationError` (keys are not enumerated there).
 */
export class CachestackStore implements Store {
  /** The key prefix. */
  readonly prefix: string;
  /** Whether counts are held in this process only. */
  readonly localKeys: boolean;
  readonly #options: CachestackStoreOptions;
  #counter: WindowCounter;
  #windowMs = 0;
  #closed = false;

  constructor(options: CachestackStoreOptions = {}) {
    this.#counter = new WindowCounter(options);
    const prefix = options.prefix ?? 'erl:';
    if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'must be a string');
    this.prefix = prefix;
    this.localKeys = this.#counter.local;
    this.#options = options;
  }

  /** Called by express-rate-limit with its options: takes `windowMs`. */
  init(options: Options): void {
    const windowMs = options.windowMs;
    if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
      throw new InvalidOptionError('windowMs', `must be a positive integer, got ${windowMs}`);
    }
    this.#windowMs = windowMs;
  }

  /** The hits of `key` in the current window. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const count = await this.#counter.read(this.#key(key), this.#window());
    return count.hits === 0 ? undefined : info(count.hits, count.resetMs);
  }

  /** Counts one hit of `key`. */
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const count = await this.#counter.add(this.#key(key), this.#window(), 1);
    return info(count.hits, count.resetMs);
  }

  /** Takes one hit of `key` back (`skipSuccessfulRequests`, `skipFailedRequests`). */
  async decrement(key: string): Promise<void> {
    await this.#counter.add(this.#key(key), this.#window(), -1);
  }

  /** Forgets `key`. */
  async resetKey(key: string): Promise<void> {
    await this.#counter.reset(this.#key(key));
  }

  /** Forgets every key: in-process store only. */
  async resetAll(): Promise<void> {
    if (!this.localKeys || this.#options.store !== undefined) {
      throw new UnsupportedOperationError(
        'resetAll',
        'only the default in-process store can forget every key',
      );
    }
    const old = this.#counter;
    this.#counter = new WindowCounter(this.#options);
    await old.close();
  }

  /** Closes the counters (not a store you passed). Idempotent. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    await this.#counter.close();
  }

  #key(key: string): string {
    if (this.#closed) throw new ClosedError('express-rate-limit store');
    return this.prefix + key;
  }

  #window(): number {
    if (this.#windowMs === 0) {
      throw new InvalidOptionError('store', 'init() was not called: pass the store to rateLimit()');
    }
    return this.#windowMs;
  }
}

function info(totalHits: number, resetMs: number): ClientRateLimitInfo {
  return { totalHits, resetTime: new Date(Date.now() + resetMs) };
}
