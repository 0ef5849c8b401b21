import {
  CacheStackError,
  ClosedError,
  type FencedRead,
  type FencedReadMany,
  type FenceToken,
  InvalidOptionError,
  type Logger,
  type RemoteEntry,
  type RemoteSetOptions,
  type RemoteStore,
  StoreError,
  TimeoutError,
  type WriteOutcome,
} from '@cachestack/core';
import { type Cluster, Redis } from 'ioredis';
import { Deadlines } from './deadlines.js';
import { type RedisKeyspace, redisKeyspace } from './keyspace.js';
import { type RedisStoreOptions, resolveOptions } from './options.js';
import { defineScripts, type ScriptClient } from './scripts.js';
import {
  assertEntry,
  assertFence,
  assertKey,
  assertKeys,
  assertNamespace,
  assertTags,
  assertTtl,
  toBuffer,
} from './validate.js';

type Arg = string | number | Buffer;

const nullToUndefined = (value: Buffer | null): Buffer | undefined => value ?? undefined;

/** Replaces MGET's nulls by `undefined`, in place (the array is ours). */
function nullsToUndefined(values: (Buffer | null)[]): (Buffer | undefined)[] {
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) (values as (Buffer | undefined | null)[])[i] = undefined;
  }
  return values as (Buffer | undefined)[];
}

function outcomes(flags: number[]): WriteOutcome[] {
  return flags.map((flag) => (flag === 1 ? 'written' : 'fenced'));
}

/**
 * Whether a standalone client times out each command itself within `timeoutMs`. Not
 * trusted on Cluster, whose own offline queue (while it discovers slots) has no timer.
 */
function hasCommandTimeout(client: Redis | Cluster, timeoutMs: number): boolean {
  if (client.isCluster) return false;
  const ms = (client as Redis).options.commandTimeout;
  return typeof ms === 'number' && ms > 0 && ms <= timeoutMs;
}

/**
 * A {@link RemoteStore} on Redis through ioredis, standalone or Cluster. Create it with
 * {@link redisStore}. Reads are plain GET / MGET; fenced reads add the namespace epoch
 * to the same MGET; writes and invalidations are Lua scripts on the namespace's slot.
 */
export class RedisStore implements RemoteStore {
  /** `redis`. */
  readonly name = 'redis';
  readonly #client: Redis | Cluster;
  readonly #scripts: ScriptClient;
  readonly #owned: boolean;
  readonly #keys: RedisKeyspace;
  readonly #timeoutMs: number;
  readonly #fenceTtlMs: number;
  readonly #clearBatchSize: number;
  readonly #logger: Logger;
  /** Set while a client we created makes its first connection attempt. */
  #connecting: Promise<void> | undefined;
  /** Whether ioredis itself times out every command within our deadline. */
  readonly #clientDeadline: boolean;
  readonly #deadlines: Deadlines;
  readonly #bases = new Map<string, string>();
  readonly #getFailed = (error: unknown): never => {
    throw this.#wrap('get', error);
  };
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @throws InvalidOptionError when an option is invalid. */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveOptions(options);
    this.#keys = redisKeyspace(resolved.prefix);
    this.#timeoutMs = resolved.commandTimeoutMs;
    this.#fenceTtlMs = resolved.fenceTtlMs;
    this.#clearBatchSize = resolved.clearBatchSize;
    this.#deadlines = new Deadlines(resolved.commandTimeoutMs);
    this.#logger = resolved.logger.child({ component: 'cachestack-redis' });
    if (resolved.client) {
      this.#client = resolved.client;
      this.#owned = false;
    } else {
      const client = new Redis(resolved.url!, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: resolved.commandTimeoutMs,
      });
      client.on('error', (error: Error) => {
        this.#logger.warn({ err: error }, 'redis client error');
      });
      // Without an offline queue, commands sent before the first connection fail; wait for
      // the first attempt's outcome (bounded by each call's deadline), then fail fast.
      this.#connecting = new Promise<void>((resolve) => {
        const done = () => {
          client.off('ready', done);
          client.off('error', done);
          client.off('end', done);
          this.#connecting = undefined;
          resolve();
        };
        client.on('ready', done);
        client.on('error', done);
        client.on('end', done);
      });
      this.#client = client;
      this.#owned = true;
    }
    this.#scripts = defineScripts(this.#client);
    this.#clientDeadline = hasCommandTimeout(this.#client, this.#timeoutMs);
  }

  /** The key names this store uses. */
  get keyspace(): RedisKeyspace {
    return this.#keys;
  }

  /** Bytes of the key (one GET), or `undefined`. */
  get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#check(namespace)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    // The L2 hit path: no closure, no wrapper promise when ioredis enforces the deadline.
    if (this.#clientDeadline && this.#connecting === undefined) {
      return this.#client.getBuffer(entryKey).then(nullToUndefined, this.#getFailed);
    }
    return this.#run('get', () => this.#client.getBuffer(entryKey), nullToUndefined);
  }

  /** Bytes of each key in order (one MGET). */
  getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    if (keys.length === 0) return Promise.resolve([]);
    const entryKeys = keys.map((key) => `${base}k:${key}`);
    return this.#run('getMany', () => this.#client.mgetBuffer(entryKeys), nullsToUndefined);
  }

  /** The value and the namespace epoch as fence, in one MGET. */
  getWithFence(namespace: string, key: string): Promise<FencedRead> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'getWithFence',
      () => this.#client.mgetBuffer(`${base}k:${key}`, `${base}m:epoch`),
      (values) => ({
        value: values[0] ?? undefined,
        fence: values[1] ? values[1].toString() : '0',
      }),
    );
  }

  /** The values and the namespace epoch as fence, in one MGET. */
  getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    let base: string;
    try {
      base = this.#check(namespace);
      assertKeys(keys);
    } catch (error) {
      return Promise.reject(error);
    }
    const args = keys.map((key) => `${base}k:${key}`);
    args.push(`${base}m:epoch`);
    return this.#run(
      'getManyWithFence',
      () => this.#client.mgetBuffer(args),
      (values) => {
        const epoch = values.pop();
        return { values: nullsToUndefined(values), fence: epoch ? epoch.toString() : '0' };
      },
    );
  }

  /**
   * Stores bytes with a TTL and tags. Unconditional (no `fence`): bumps the namespace
   * epoch and marks the key, so fences read earlier for it are invalidated. Conditional:
   * skipped (`'fenced'`) when the namespace was cleared, the key invalidated, or one of
   * `tags` invalidated since the fence was read; never invalidates anything itself.
   */
  set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      assertKey(key);
      if (typeof options !== 'object' || options === null) {
        throw new InvalidOptionError('options', 'must be an object with ttlMs');
      }
      assertTtl(options.ttlMs);
      assertTags(options.tags);
      const bytes = toBuffer(value);
      if (options.fence !== undefined) assertFence(options.fence);
      args = this.#writeArgs(
        base,
        [{ key, value: bytes, ttlMs: options.ttlMs, tags: options.tags }],
        options.fence,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'set',
      () => this.#scripts.cachestackV1Write(...(args as [number, ...Arg[]])),
      (flags) => (flags[0] === 1 ? 'written' : 'fenced'),
      true,
    );
  }

  /** Stores several entries in one script; conditional on `fence` when given. */
  setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      if (!Array.isArray(entries)) throw new InvalidOptionError('entries', 'must be an array');
      for (const entry of entries) assertEntry(entry);
      if (fence !== undefined) assertFence(fence);
      if (entries.length === 0) return Promise.resolve([]);
      args = this.#writeArgs(base, entries, fence);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'setMany',
      () => this.#scripts.cachestackV1Write(...(args as [number, ...Arg[]])),
      outcomes,
      true,
    );
  }

  /** Whether the key holds a value (EXISTS). */
  has(namespace: string, key: string): Promise<boolean> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#check(namespace)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'has',
      () => this.#client.exists(entryKey),
      (n) => n === 1,
    );
  }

  /**
   * Remaining TTL in ms (PTTL); `undefined` when absent; `Infinity` for a key without
   * expiry (never written by this store, which always sets one).
   */
  ttl(namespace: string, key: string): Promise<number | undefined> {
    let entryKey: string;
    try {
      assertKey(key);
      entryKey = `${this.#check(namespace)}k:${key}`;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'ttl',
      () => this.#client.pttl(entryKey),
      (ms) => (ms === -2 ? undefined : ms === -1 ? Number.POSITIVE_INFINITY : ms),
    );
  }

  /** Marks and unlinks the key; `true` when it existed. */
  delete(namespace: string, key: string): Promise<boolean> {
    return this.deleteMany(namespace, [key]).then((n) => n > 0);
  }

  /** Marks and unlinks the keys in one script; resolves how many existed. */
  deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      assertKeys(keys);
      if (keys.length === 0) return Promise.resolve(0);
      args = [1 + 2 * keys.length, `${base}m:epoch`];
      for (const key of keys) args.push(`${base}i:${key}`, `${base}k:${key}`);
      args.push(this.#fenceTtlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'delete',
      () => this.#scripts.cachestackV1Delete(...(args as [number])),
      undefined,
      true,
    );
  }

  /**
   * Marks the tags and their member keys, unlinks the members and the tag sets, in one
   * script; resolves how many entries existed.
   */
  deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    let args: Arg[];
    try {
      const base = this.#check(namespace);
      assertTags(tags);
      if (tags.length === 0) return Promise.resolve(0);
      args = [1 + 2 * tags.length, `${base}m:epoch`];
      for (const tag of tags) args.push(`${base}ti:${tag}`, `${base}t:${tag}`);
      args.push(this.#fenceTtlMs, base);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(
      'deleteByTag',
      () => this.#scripts.cachestackV1DeleteTags(...(args as [number])),
      undefined,
      true,
    );
  }

  /**
   * Sets the clear mark (invalidating every fence read so far), then SCANs the
   * namespace on every master and unlinks its entries in batches of `clearBatchSize`,
   * then prunes its tag sets. Each round trip has the command deadline.
   */
  clear(namespace: string): Promise<void> {
    try {
      this.#check(namespace);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#clear(namespace);
  }

  async #clear(namespace: string): Promise<void> {
    const keys = this.#keys;
    await this.#run(
      'clear',
      () =>
        this.#scripts.cachestackV1ClearMark(2, keys.epoch(namespace), keys.clearMark(namespace)),
      undefined,
      true,
    );
    const base = keys.base(namespace);
    const entryHead = `${base}k:`;
    const tagHead = `${base}t:`;
    const pattern = keys.pattern(namespace);
    const tagSets = new Set<string>();
    const nodes = this.#client.isCluster
      ? (this.#client as Cluster).nodes('master')
      : [this.#client as Redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await this.#run('clear', () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#clearBatchSize),
        );
        cursor = next;
        const entries: string[] = [];
        for (const key of found) {
          if (key.startsWith(entryHead)) entries.push(key);
          else if (key.startsWith(tagHead)) tagSets.add(key);
        }
        if (entries.length > 0) await this.#run('clear', () => node.unlink(entries));
      } while (cursor !== '0');
    }
    const sets = [...tagSets];
    for (let i = 0; i < sets.length; i += this.#clearBatchSize) {
      const chunk = sets.slice(i, i + this.#clearBatchSize);
      await this.#run(
        'clear',
        () => this.#scripts.cachestackV1PruneTags(chunk.length, ...chunk, base),
        undefined,
        true,
      );
    }
  }

  /** Closes the store; quits the client only when the store created it. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = this.#owned ? this.#quit() : Promise.resolve();
    return this.#closing;
  }

  /** Same as {@link RedisStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #quit(): Promise<void> {
    const client = this.#client as Redis;
    if (client.status === 'end') return;
    try {
      await this.#deadline('close', client.quit());
    } catch (error) {
      this.#logger.debug({ err: error }, 'redis quit failed; disconnecting');
    } finally {
      client.disconnect();
    }
  }

  /**
   * Rejects after close, validates the namespace and returns its key head. Validated
   * heads are cached (bounded) so the hot path skips re-validation and concatenation.
   */
  #check(namespace: string): string {
    if (this.#closed) throw new ClosedError('redis store');
    const cached = this.#bases.get(namespace);
    if (cached !== undefined) return cached;
    assertNamespace(namespace);
    if (this.#bases.size >= 10_000) this.#bases.clear();
    const base = this.#keys.base(namespace);
    this.#bases.set(namespace, base);
    return base;
  }

  #writeArgs(base: string, entries: readonly RemoteEntry[], fence: FenceToken | undefined): Arg[] {
    const keys: Arg[] = [`${base}m:epoch`, `${base}m:clear`];
    const argv: Arg[] = [fence ?? '', this.#fenceTtlMs, entries.length];
    for (const entry of entries) {
      const tags = entry.tags ?? [];
      keys.push(`${base}k:${entry.key}`, `${base}i:${entry.key}`);
      for (const tag of tags) keys.push(`${base}ti:${tag}`);
      for (const tag of tags) keys.push(`${base}t:${tag}`);
      argv.push(tags.length, entry.ttlMs, toBuffer(entry.value), entry.key);
    }
    return [keys.length, ...keys, ...argv];
  }

  /**
   * Sends a command under the deadline. When the client enforces a `commandTimeout` no
   * longer than ours (always true of a client we created), ioredis's own per-command
   * timer is the deadline and we only map the outcome; otherwise we race our own timer.
   * A first connection attempt in progress is awaited under our timer. Scripts always
   * race our timer: a NOSCRIPT fallback is a second command with its own ioredis timer.
   */
  #run<T, R = T>(
    op: string,
    send: () => Promise<T>,
    map?: (value: T) => R,
    script = false,
  ): Promise<R> {
    const connecting = this.#connecting;
    if (connecting !== undefined) return this.#deadline(op, connecting.then(send), map);
    if (script || !this.#clientDeadline) return this.#deadline(op, send(), map);
    return send().then(map as (value: T) => R, (error: unknown) => {
      throw this.#wrap(op, error);
    });
  }

  #deadline<T, R = T>(op: string, pending: Promise<T>, map?: (value: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const deadline = this.#deadlines.start(() => {
        const ms = this.#timeoutMs;
        reject(new TimeoutError(`redis ${op} did not answer within ${ms} ms`, ms));
      });
      pending.then(
        (value) => {
          if (!this.#deadlines.settle(deadline)) return;
          if (map === undefined) {
            resolve(value as unknown as R);
            return;
          }
          try {
            resolve(map(value));
          } catch (error) {
            reject(this.#wrap(op, error));
          }
        },
        (error: unknown) => {
          if (this.#deadlines.settle(deadline)) reject(this.#wrap(op, error));
        },
      );
    });
  }

  #wrap(op: string, error: unknown): CacheStackError {
    if (error instanceof CacheStackError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'Command timed out') {
      return new TimeoutError(
        `redis ${op} timed out after ${this.#timeoutMs} ms`,
        this.#timeoutMs,
        {
          cause: error,
        },
      );
    }
    return new StoreError(`redis ${op} failed: ${message}`, { cause: error });
  }
}

/**
 * Creates a Redis L2 store.
 *
 * @example
 * ```ts
 * const store = redisStore({ url: 'redis://127.0.0.1:6379', prefix: 'app' });
 * await store.set('users', '42', bytes, { ttlMs: 60_000, tags: ['team:7'] });
 * ```
 * @throws InvalidOptionError when an option is invalid.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
