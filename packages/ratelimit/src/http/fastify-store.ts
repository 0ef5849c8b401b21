import { InvalidOptionError } from '@cachestack/core';
import { UnsupportedOperationError } from '../errors.js';
import { type CounterStoreOptions, WindowCounter } from './window-counter.js';

/** What @fastify/rate-limit passes to a store's constructor (the fields used here). */
export interface FastifyStoreParams {
  readonly continueExceeding?: boolean;
  readonly exponentialBackoff?: boolean;
  /** Route of a child store. */
  readonly routeInfo?: { readonly method?: string | readonly string[]; readonly url?: string };
}

/** The count @fastify/rate-limit expects from `incr` and `read`. */
export interface FastifyStoreCount {
  /** Hits in the window. */
  current: number;
  /** Ms until the window ends. */
  ttl: number;
}

type Callback = (error: Error | null, result?: FastifyStoreCount) => void;

/** A store instance as @fastify/rate-limit uses it. */
export interface CachestackFastifyStore {
  incr(key: string, callback: Callback, timeWindow: number, max?: number): void;
  read(key: string, callback: Callback, timeWindow: number, max?: number): void;
  child(routeOptions: object): CachestackFastifyStore;
}

/** The class given as @fastify/rate-limit's `store`, plus `close()` for its counters. */
export interface CachestackFastifyStoreClass {
  new (params: object): CachestackFastifyStore;
  /** Closes the counters (not a store you passed). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link fastifyStore}. */
export interface FastifyStoreOptions extends CounterStoreOptions {
  /**
   * Prepended to every key.
   * @defaultValue `'frl:'`
   */
  readonly prefix?: string;
}

/**
 * A store class for @fastify/rate-limit (9 to 11) on cachestack's rate-limit stores:
 * `app.register(rateLimit, { max, timeWindow, store: fastifyStore({ store, failurePolicy }) })`.
 * With a `RedisStore`, counts are shared by every process (one scripted round trip per
 * hit, server clock). Routes with their own `config.rateLimit` count apart, as with the
 * plugin's own stores. `continueExceeding` and `exponentialBackoff` are not supported
 * (`UnsupportedOperationError`).
 */
export function fastifyStore(options: FastifyStoreOptions = {}): CachestackFastifyStoreClass {
  const counter = new WindowCounter(options);
  const prefix = options.prefix ?? 'frl:';
  if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'must be a string');

  const answer = (promise: Promise<{ hits: number; resetMs: number }>, callback: Callback) => {
    promise.then(
      (count) => callback(null, { current: count.hits, ttl: count.resetMs }),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };

  class FastifyCounterStore implements CachestackFastifyStore {
    readonly #prefix: string;

    constructor(options: object, routePrefix = '') {
      const params = options as FastifyStoreParams;
      if (params?.continueExceeding === true || params?.exponentialBackoff === true) {
        throw new UnsupportedOperationError(
          params.continueExceeding === true ? 'continueExceeding' : 'exponentialBackoff',
          'not supported by the cachestack store',
        );
      }
      this.#prefix = prefix + routePrefix;
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      answer(counter.add(this.#prefix + key, timeWindow, 1), callback);
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      answer(counter.read(this.#prefix + key, timeWindow), callback);
    }

    child(routeOptions: object): CachestackFastifyStore {
      const route = (routeOptions as FastifyStoreParams).routeInfo;
      const method = Array.isArray(route?.method) ? route.method.join(',') : (route?.method ?? '');
      return new FastifyCounterStore(
        routeOptions,
        `${this.#prefix.slice(prefix.length)}${method}${route?.url ?? ''}-`,
      );
    }

    static close(): Promise<void> {
      return counter.close();
    }
  }
  return FastifyCounterStore;
}
