import { encodeFrame } from '../codec/frame.js';
import type { Clock, ClockTimer } from '../contracts/clock.js';
import type { Codec, Serializer } from '../contracts/codec.js';
import type { Entry } from '../contracts/entry.js';
import { StoreError } from '../contracts/errors.js';
import type { CacheEvents } from '../contracts/events.js';
import type { InvalidationScope } from '../contracts/invalidation.js';
import type { Logger } from '../contracts/logger.js';
import type {
  FenceToken,
  RemoteEntry,
  RemoteStore,
  WriteOutcome,
} from '../contracts/remote-store.js';
import type { CircuitState } from '../kit/circuit-breaker.js';
import { L2Decoder } from './l2-decode.js';
import { L2Guard } from './l2-guard.js';
import { PendingInvalidations } from './pending-invalidations.js';

/** Resolved options of the L2 wrapper. */
export interface RemoteTierOptions {
  readonly store: RemoteStore;
  readonly serializer: Serializer;
  readonly codec: Codec | undefined;
  readonly decoders: readonly Codec[];
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly breakDurationMs: number;
  readonly maxPendingInvalidations: number;
  readonly closeStore: boolean;
  readonly events: CacheEvents;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A decoded L2 read, with the fence to pass to a later conditional write. */
export interface FencedEntry {
  readonly entry: Entry | undefined;
  readonly fence: FenceToken | undefined;
}

const NO_ENTRY: FencedEntry = Object.freeze({ entry: undefined, fence: undefined });

/**
 * Wraps a {@link RemoteStore}: the codec pipeline on the way in and out, a deadline on
 * every call, a circuit breaker, corruption handling (a damaged entry is deleted,
 * reported and read as a miss) and a bounded queue of invalidations that failed while
 * L2 was unreachable, replayed when it answers again. Keys with a pending invalidation
 * are not read from L2, so a value deleted during an outage is never served after it.
 */
export class RemoteTier {
  readonly #options: RemoteTierOptions;
  readonly #guard: L2Guard;
  readonly #decoder: L2Decoder;
  readonly #pending: PendingInvalidations;
  readonly #retryMs: number;
  #retryTimer: ClockTimer | undefined;
  #closed = false;
  #flushing = false;

  constructor(options: RemoteTierOptions) {
    this.#options = options;
    this.#pending = new PendingInvalidations(options.maxPendingInvalidations);
    this.#retryMs = Math.max(50, Math.min(options.breakDurationMs, 1000));
    const codecs = options.codec ? [options.codec, ...options.decoders] : [...options.decoders];
    this.#decoder = new L2Decoder({
      serializer: options.serializer,
      codecs,
      events: options.events,
      logger: options.logger,
      deleteCorrupt: (namespace, key) => {
        this.invalidate(namespace, { kind: 'keys', keys: [key] }).catch(() => {});
      },
    });
    this.#guard = new L2Guard({
      storeName: options.store.name,
      timeoutMs: options.timeoutMs,
      failureThreshold: options.failureThreshold,
      breakDurationMs: options.breakDurationMs,
      events: options.events,
      logger: options.logger,
      clock: options.clock,
      onRecovered: () => void this.flushPending(),
    });
  }

  /** The store's name. */
  get name(): string {
    return this.#options.store.name;
  }

  /** Oldest fence the store still honours, ms (Infinity when unbounded). */
  get maxFenceAgeMs(): number {
    return this.#options.store.maxFenceAgeMs ?? Number.POSITIVE_INFINITY;
  }

  /** Circuit breaker state. */
  get circuitState(): CircuitState {
    return this.#guard.circuitState;
  }

  /** Invalidations waiting for L2 to come back. */
  get pendingInvalidations(): number {
    return this.#pending.count;
  }

  /** Whether L2 must not be read for this key (an invalidation is pending). */
  isBlocked(namespace: string, key: string): boolean {
    return this.#pending.blocksKey(namespace, key);
  }

  // The L2-hit path: one promise for deadline, breaker and decoding, no async frames.
  get(namespace: string, key: string): Promise<Entry | undefined> {
    if (this.#pending.count !== 0 && this.#pending.blocksKey(namespace, key)) {
      return Promise.resolve(undefined);
    }
    return this.#guard.call(
      'get',
      namespace,
      () => this.#options.store.get(namespace, key),
      (bytes) => (bytes === undefined ? undefined : this.#decoder.decode(namespace, key, bytes)),
    );
  }

  /** A read with its fence; like `get`, one promise carries deadline, breaker and decoding. */
  getWithFence(namespace: string, key: string): Promise<FencedEntry> {
    if (this.#pending.count !== 0 && this.#pending.blocksKey(namespace, key)) {
      return Promise.resolve(NO_ENTRY);
    }
    return this.#guard.call(
      'getWithFence',
      namespace,
      () => this.#options.store.getWithFence(namespace, key),
      (read) => {
        if (read.value === undefined) return { entry: undefined, fence: read.fence };
        const entry = this.#decoder.decode(namespace, key, read.value);
        return entry instanceof Promise
          ? entry.then((decoded) => ({ entry: decoded, fence: read.fence }))
          : { entry, fence: read.fence };
      },
    );
  }

  async getMany(namespace: string, keys: readonly string[], withFence: boolean) {
    const values = withFence
      ? await this.#guard.call('getManyWithFence', namespace, () =>
          this.#options.store.getManyWithFence(namespace, keys),
        )
      : {
          values: await this.#guard.call('getMany', namespace, () =>
            this.#options.store.getMany(namespace, keys),
          ),
          fence: undefined,
        };
    const entries = await Promise.all(
      values.values.map((bytes, i) => {
        const key = keys[i]!;
        if (bytes === undefined || this.isBlocked(namespace, key)) return undefined;
        return this.#decoder.decode(namespace, key, bytes);
      }),
    );
    return { entries, fence: values.fence as FenceToken | undefined };
  }

  /** Encodes an entry; throws SerializationError for values that cannot be serialized. */
  encode(entry: Entry): Uint8Array | Promise<Uint8Array> {
    return encodeFrame(entry, this.#options.serializer, this.#options.codec);
  }

  async set(
    namespace: string,
    key: string,
    bytes: Uint8Array,
    ttlMs: number,
    tags: readonly string[] | undefined,
    fence: FenceToken | undefined,
  ): Promise<WriteOutcome> {
    try {
      return await this.#guard.call('set', namespace, () =>
        this.#options.store.set(namespace, key, bytes, { ttlMs, tags, fence }),
      );
    } catch (error) {
      // The old L2 value must not outlive this newer write: delete it when L2 is back.
      this.#queue(namespace, { kind: 'keys', keys: [key] });
      throw error;
    }
  }

  async setMany(namespace: string, entries: RemoteEntry[], fence: FenceToken | undefined) {
    try {
      return await this.#guard.call('setMany', namespace, () =>
        this.#options.store.setMany(namespace, entries, fence),
      );
    } catch (error) {
      this.#queue(namespace, { kind: 'keys', keys: entries.map((e) => e.key) });
      throw error;
    }
  }

  async has(namespace: string, key: string): Promise<boolean> {
    if (this.isBlocked(namespace, key)) return false;
    const entry = await this.get(namespace, key);
    return entry !== undefined && entry.freshUntil > this.#options.clock.now();
  }

  /**
   * Applies an invalidation (keys, tags or the whole namespace) to L2. On failure it is
   * queued and replayed when L2 answers again (what it covers is not read from L2
   * meanwhile), then the error is rethrown.
   */
  async invalidate(namespace: string, scope: InvalidationScope): Promise<void> {
    try {
      await this.#apply(namespace, scope);
    } catch (error) {
      this.#queue(namespace, scope);
      throw error;
    }
  }

  /** Whether an entry read from L2 carries a tag whose invalidation is still pending. */
  hasPendingTag(namespace: string, tags: readonly string[] | undefined): boolean {
    return tags !== undefined && this.#pending.blocksTags(namespace, tags);
  }

  /** Tries to apply queued invalidations now. */
  async flushPending(): Promise<void> {
    if (this.#flushing || this.#pending.count === 0) return;
    this.#flushing = true;
    try {
      await this.#pending.replay((namespace, scope) => this.#apply(namespace, scope));
    } catch {
      // Still unreachable; the retry timer tries again.
    } finally {
      this.#flushing = false;
    }
  }

  /** Stops the retry timer and closes the store (unless `closeStore` is false). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#options.closeStore) await this.#options.store.close();
  }

  #apply(namespace: string, scope: InvalidationScope): Promise<unknown> {
    const store = this.#options.store;
    switch (scope.kind) {
      case 'keys': {
        const keys = scope.keys;
        return this.#guard.call('delete', namespace, async () => {
          if (keys.length === 1) await store.delete(namespace, keys[0]!);
          else await store.deleteMany(namespace, keys);
        });
      }
      case 'tags':
        return this.#guard.call('deleteByTag', namespace, () =>
          store.deleteByTag(namespace, scope.tags),
        );
      case 'namespace':
        return this.#guard.call('clear', namespace, () => store.clear(namespace));
    }
  }

  #queue(namespace: string, scope: InvalidationScope): void {
    if (this.#pending.add(namespace, scope)) {
      this.#options.events.emit('error', {
        operation: 'pending-invalidations',
        error: new StoreError(
          `more than ${this.#options.maxPendingInvalidations} L2 invalidations pending; namespace "${namespace}" will be cleared when L2 is back`,
        ),
      });
    }
    this.#scheduleRetry();
  }

  // One timer at a time, re-armed after each attempt while invalidations are pending.
  #scheduleRetry(): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#pending.count === 0) return;
      void this.flushPending();
      this.#scheduleRetry();
    }, this.#retryMs);
  }
}
