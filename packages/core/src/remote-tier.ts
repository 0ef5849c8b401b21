import type { Codec, Serializer } from './codec.js';
import type { Entry } from './entry.js';
import { CacheStackError, CircuitOpenError, CorruptEntryError, StoreError } from './errors.js';
import { type CacheEvents, coreChannels } from './events.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { CircuitBreaker, type CircuitState } from './kit/circuit-breaker.js';
import { clockFromNow } from './kit/clock-from-now.js';
import { DeadlineQueue } from './kit/deadline-queue.js';
import type { Logger } from './logger.js';
import type { FenceToken, RemoteEntry, RemoteStore, WriteOutcome } from './remote-store.js';

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
  readonly now: () => number;
}

type Pending =
  | { kind: 'keys'; namespace: string; keys: Set<string> }
  | { kind: 'tags'; namespace: string; tags: Set<string> }
  | { kind: 'clear'; namespace: string };

/** A decoded L2 read, with the fence to pass to a later conditional write. */
export interface FencedEntry {
  readonly entry: Entry | undefined;
  readonly fence: FenceToken | undefined;
}

/**
 * Wraps a {@link RemoteStore}: the codec pipeline on the way in and out, a deadline on
 * every call, a circuit breaker, corruption handling (a damaged entry is deleted,
 * reported and read as a miss) and a bounded queue of invalidations that failed while
 * L2 was unreachable, replayed when it answers again. Keys with a pending invalidation
 * are not read from L2, so a value deleted during an outage is never served after it.
 */
export class RemoteTier {
  readonly #o: RemoteTierOptions;
  readonly #breaker: CircuitBreaker;
  readonly #decodeOptions: { serializer: Serializer; codecs: readonly Codec[] };
  // namespace -> pending invalidations not yet applied to L2
  readonly #pendingKeys = new Map<string, Set<string>>();
  readonly #pendingTags = new Map<string, Set<string>>();
  readonly #pendingClear = new Set<string>();
  #pendingCount = 0;
  #retryTimer: ReturnType<typeof setInterval> | undefined;
  readonly #deadlines: DeadlineQueue;
  #flushing = false;

  constructor(options: RemoteTierOptions) {
    this.#o = options;
    this.#deadlines = new DeadlineQueue(options.timeoutMs, { what: `L2 ${options.store.name}` });
    const codecs = options.codec ? [options.codec, ...options.decoders] : [...options.decoders];
    this.#decodeOptions = { serializer: options.serializer, codecs };
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold,
      breakDurationMs: options.breakDurationMs,
      // The cache's `now` drives the break, so tests move it with their fake time.
      clock: clockFromNow(options.now),
      onStateChange: (state, failures, openUntil) => this.#onCircuit(state, failures, openUntil),
    });
  }

  /** The store's name. */
  get name(): string {
    return this.#o.store.name;
  }

  /** Oldest fence the store still honours, ms (Infinity when unbounded). */
  get maxFenceAgeMs(): number {
    return this.#o.store.maxFenceAgeMs ?? Number.POSITIVE_INFINITY;
  }

  /** Circuit breaker state. */
  get circuitState(): CircuitState {
    return this.#breaker.state;
  }

  /** Invalidations waiting for L2 to come back. */
  get pendingInvalidations(): number {
    return this.#pendingCount;
  }

  /** Whether L2 must not be read for this key (an invalidation is pending). */
  isBlocked(namespace: string, key: string): boolean {
    if (this.#pendingCount === 0) return false;
    return this.#pendingClear.has(namespace) || !!this.#pendingKeys.get(namespace)?.has(key);
  }

  // The L2-hit path: plain promise chains, no async frames (each costs allocations).
  get(namespace: string, key: string): Promise<Entry | undefined> {
    if (this.isBlocked(namespace, key)) return Promise.resolve(undefined);
    return this.#call('get', () => this.#o.store.get(namespace, key)).then((bytes) =>
      bytes === undefined ? undefined : this.#decode(namespace, key, bytes),
    );
  }

  async getWithFence(namespace: string, key: string): Promise<FencedEntry> {
    if (this.isBlocked(namespace, key)) return { entry: undefined, fence: undefined };
    const read = await this.#call('getWithFence', () => this.#o.store.getWithFence(namespace, key));
    const entry =
      read.value === undefined ? undefined : await this.#decode(namespace, key, read.value);
    return { entry, fence: read.fence };
  }

  async getMany(namespace: string, keys: readonly string[], withFence: boolean) {
    const values = withFence
      ? await this.#call('getManyWithFence', () => this.#o.store.getManyWithFence(namespace, keys))
      : {
          values: await this.#call('getMany', () => this.#o.store.getMany(namespace, keys)),
          fence: undefined,
        };
    const entries = await Promise.all(
      values.values.map((bytes, i) => {
        const key = keys[i]!;
        if (bytes === undefined || this.isBlocked(namespace, key)) return undefined;
        return this.#decode(namespace, key, bytes);
      }),
    );
    return { entries, fence: values.fence as FenceToken | undefined };
  }

  /** Encodes an entry; throws SerializationError for values that cannot be serialized. */
  encode(entry: Entry): Uint8Array | Promise<Uint8Array> {
    return encodeFrame(entry, this.#o.serializer, this.#o.codec);
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
      return await this.#call('set', () =>
        this.#o.store.set(namespace, key, bytes, { ttlMs, tags, fence }),
      );
    } catch (error) {
      // The old L2 value must not outlive this newer write: delete it when L2 is back.
      this.#queue({ kind: 'keys', namespace, keys: new Set([key]) });
      throw error;
    }
  }

  async setMany(namespace: string, entries: RemoteEntry[], fence: FenceToken | undefined) {
    try {
      return await this.#call('setMany', () => this.#o.store.setMany(namespace, entries, fence));
    } catch (error) {
      this.#queue({ kind: 'keys', namespace, keys: new Set(entries.map((e) => e.key)) });
      throw error;
    }
  }

  async has(namespace: string, key: string): Promise<boolean> {
    if (this.isBlocked(namespace, key)) return false;
    const entry = await this.get(namespace, key);
    return entry !== undefined && entry.freshUntil > this.#o.now();
  }

  /** Deletes keys; on failure the deletion is queued and replayed, then the error is rethrown. */
  async delete(namespace: string, keys: readonly string[]): Promise<void> {
    await this.#invalidate({ kind: 'keys', namespace, keys: new Set(keys) });
  }

  async deleteByTag(namespace: string, tags: readonly string[]): Promise<void> {
    await this.#invalidate({ kind: 'tags', namespace, tags: new Set(tags) });
  }

  async clear(namespace: string): Promise<void> {
    await this.#invalidate({ kind: 'clear', namespace });
  }

  /** Whether an entry read from L2 carries a tag whose invalidation is still pending. */
  hasPendingTag(namespace: string, tags: readonly string[] | undefined): boolean {
    if (!tags || this.#pendingCount === 0) return false;
    const pending = this.#pendingTags.get(namespace);
    return !!pending && tags.some((t) => pending.has(t));
  }

  /** Tries to apply queued invalidations now. */
  async flushPending(): Promise<void> {
    if (this.#flushing || this.#pendingCount === 0) return;
    this.#flushing = true;
    try {
      for (const namespace of [...this.#pendingClear]) {
        await this.#apply({ kind: 'clear', namespace });
        this.#pendingClear.delete(namespace);
        this.#pendingKeys.delete(namespace);
        this.#pendingTags.delete(namespace);
      }
      for (const [namespace, keys] of [...this.#pendingKeys]) {
        await this.#apply({ kind: 'keys', namespace, keys });
        this.#pendingKeys.delete(namespace);
      }
      for (const [namespace, tags] of [...this.#pendingTags]) {
        await this.#apply({ kind: 'tags', namespace, tags });
        this.#pendingTags.delete(namespace);
      }
      this.#recount();
    } catch {
      // Still unreachable; the retry timer tries again.
    } finally {
      this.#flushing = false;
    }
  }

  /** Stops the retry timer and closes the store (unless `closeStore` is false). */
  async close(): Promise<void> {
    if (this.#retryTimer) clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#o.closeStore) await this.#o.store.close();
  }

  async #invalidate(op: Pending): Promise<void> {
    try {
      await this.#apply(op);
    } catch (error) {
      this.#queue(op);
      throw error;
    }
  }

  #apply(op: Pending): Promise<unknown> {
    const store = this.#o.store;
    switch (op.kind) {
      case 'keys': {
        const keys = [...op.keys];
        return this.#call('delete', async () => {
          if (keys.length === 1) await store.delete(op.namespace, keys[0]!);
          else await store.deleteMany(op.namespace, keys);
        });
      }
      case 'tags':
        return this.#call('deleteByTag', () => store.deleteByTag(op.namespace, [...op.tags]));
      case 'clear':
        return this.#call('clear', () => store.clear(op.namespace));
    }
  }

  #queue(op: Pending): void {
    if (op.kind === 'clear') {
      this.#pendingClear.add(op.namespace);
    } else {
      const map = op.kind === 'keys' ? this.#pendingKeys : this.#pendingTags;
      let set = map.get(op.namespace);
      if (!set) {
        set = new Set();
        map.set(op.namespace, set);
      }
      for (const item of op.kind === 'keys' ? op.keys : op.tags) set.add(item);
    }
    this.#recount();
    if (this.#pendingCount > this.#o.maxPendingInvalidations) {
      // Too many single invalidations: escalate to clearing the namespace, which is
      // one pending operation and still never serves a deleted value.
      this.#pendingClear.add(op.namespace);
      this.#pendingKeys.delete(op.namespace);
      this.#pendingTags.delete(op.namespace);
      this.#recount();
      this.#o.events.emit('error', {
        operation: 'pending-invalidations',
        error: new StoreError(
          `more than ${this.#o.maxPendingInvalidations} L2 invalidations pending; namespace "${op.namespace}" will be cleared when L2 is back`,
        ),
      });
    }
    if (!this.#retryTimer) {
      this.#retryTimer = setInterval(
        () => {
          if (this.#pendingCount === 0) {
            clearInterval(this.#retryTimer);
            this.#retryTimer = undefined;
            return;
          }
          void this.flushPending();
        },
        Math.max(50, Math.min(this.#o.breakDurationMs, 1000)),
      );
      this.#retryTimer.unref?.();
    }
  }

  #recount(): void {
    let n = this.#pendingClear.size;
    for (const set of this.#pendingKeys.values()) n += set.size;
    for (const set of this.#pendingTags.values()) n += set.size;
    this.#pendingCount = n;
  }

  #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#breaker.allow()) {
      return Promise.reject(
        new CircuitOpenError(`L2 (${this.#o.store.name}) circuit breaker is open`),
      );
    }
    const started = coreChannels.l2.hasSubscribers ? performance.now() : 0;
    let call: Promise<T>;
    try {
      call = fn();
    } catch (error) {
      call = Promise.reject(error);
    }
    return this.#deadlines.run(call, operation).then(
      (result) => {
        this.#breaker.success();
        if (started) {
          coreChannels.l2.publish({ operation, durationMs: performance.now() - started, ok: true });
        }
        return result;
      },
      (cause: unknown) => {
        this.#breaker.failure();
        const error =
          cause instanceof CacheStackError
            ? cause
            : new StoreError(`L2 ${operation} failed: ${(cause as Error)?.message ?? cause}`, {
                cause,
              });
        if (started) {
          coreChannels.l2.publish({
            operation,
            durationMs: performance.now() - started,
            ok: false,
            error,
          });
        }
        this.#storeError(operation, error);
        this.#o.logger.warn({ err: error, operation }, 'cachestack: L2 call failed');
        throw error;
      },
    );
  }

  #decode(
    namespace: string,
    key: string,
    bytes: Uint8Array,
  ): Entry | undefined | Promise<Entry | undefined> {
    try {
      const decoded = decodeFrame(bytes, this.#decodeOptions);
      if (decoded instanceof Promise) {
        return decoded.catch((error: unknown) => this.#undecodable(namespace, key, error));
      }
      return decoded;
    } catch (error) {
      return this.#undecodable(namespace, key, error);
    }
  }

  #storeError(operation: string, error: CacheStackError): void {
    const events = this.#o.events;
    events.emit('store:error', { operation, error });
    // Deprecated alias, kept for one minor version.
    if (events.has('l2:error')) events.emit('l2:error', { operation, error });
  }

  #undecodable(namespace: string, key: string, error: unknown): undefined {
    // Intact but unreadable here (e.g. a zstd entry on a Node without zstd): a miss,
    // reported, but kept for the instances that can read it.
    if (error instanceof CacheStackError && !(error instanceof CorruptEntryError)) {
      this.#storeError('decode', error);
      return undefined;
    }
    // Corrupted: never returned. Delete it so it is not read again.
    const err = error instanceof Error ? error : new Error(String(error));
    const events = this.#o.events;
    events.emit('store:corrupt', { namespace, key, error: err });
    // Deprecated alias, kept for one minor version.
    if (events.has('l2:corrupt')) events.emit('l2:corrupt', { namespace, key, error: err });
    if (coreChannels.corrupt.hasSubscribers) coreChannels.corrupt.publish({ namespace, key });
    this.#o.logger.warn({ err, namespace, key }, 'cachestack: corrupt L2 entry deleted');
    this.delete(namespace, [key]).catch(() => {});
    return undefined;
  }

  #onCircuit(state: CircuitState, failures: number, openUntil: number): void {
    if (coreChannels.circuit.hasSubscribers) coreChannels.circuit.publish({ state });
    if (state === 'open') {
      this.#o.events.emit('circuit:open', { failures, openUntil });
      this.#o.logger.error({ failures }, 'cachestack: L2 circuit opened');
    } else if (state === 'half-open') {
      this.#o.events.emit('circuit:half-open', {});
    } else {
      this.#o.events.emit('circuit:close', {});
      this.#o.logger.info({}, 'cachestack: L2 circuit closed');
      void this.flushPending();
    }
  }
}
