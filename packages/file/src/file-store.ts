import {
  ClosedError,
  type FencedRead,
  type FencedReadMany,
  type FenceToken,
  InvalidKeyError,
  InvalidOptionError,
  type RemoteEntry,
  type RemoteSetOptions,
  type RemoteStore,
  type WriteOutcome,
} from '@cachestack/core';
import { EntryReader } from './entry-reader.js';
import { prepareEntries } from './entry-writer.js';
import {
  type FileStoreEventMap,
  type FileStoreEventName,
  FileStoreEvents,
  type FileStoreStats,
} from './file-events.js';
import { FsGuard } from './fs-guard.js';
import { Housekeeping } from './housekeeping.js';
import { digest, NamespaceLayout } from './layout.js';
import { type Fence, parseFence } from './marks.js';
import { NamespaceState } from './namespace-state.js';
import { type FileStoreOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { SweepReport } from './sweep.js';
import {
  assertEntry,
  assertKey,
  assertKeys,
  assertNamespace,
  assertTags,
  assertTtl,
  assertValue,
} from './validate.js';

/**
 * A {@link RemoteStore} on the local file system, shared by every process of one
 * machine that opens the same directory. See the package README for the on-disk
 * layout and the exact cross-process guarantees.
 */
export class FileStore implements RemoteStore {
  readonly name = 'file';
  readonly #o: ResolvedOptions;
  readonly #spaces = new Map<string, NamespaceState>();
  readonly #byRoot = new Map<string, NamespaceState>();
  readonly #events = new FileStoreEvents();
  readonly #guard: FsGuard;
  readonly #housekeeping: Housekeeping;
  readonly #stats: FileStoreStats = {
    hits: 0,
    misses: 0,
    writes: 0,
    fenced: 0,
    deletes: 0,
    corrupt: 0,
    expired: 0,
    evicted: 0,
    evictedBytes: 0,
    errors: 0,
    lockBreaks: 0,
    sweeps: 0,
    files: 0,
    bytes: 0,
  };
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #reader: EntryReader;

  constructor(options: FileStoreOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#housekeeping = new Housekeeping({
      o,
      events: this.#events,
      stats: this.#stats,
      prune: (root, markers) => this.#stateFor(new NamespaceLayout(root, o.fanOut)).prune(markers),
    });
    this.#reader = new EntryReader({
      now: o.now,
      touchIntervalMs: o.touchIntervalMs,
      stats: this.#stats,
      onCorrupt: (path, reason) => this.#corrupt(path, reason),
    });
    this.#guard = new FsGuard({
      failureThreshold: o.failureThreshold,
      breakDurationMs: o.breakDurationMs,
      now: o.now,
      events: this.#events,
      stats: this.#stats,
      logger: o.logger,
      onDiskFull: () => this.#housekeeping.background(),
    });
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends FileStoreEventName>(
    event: E,
    listener: (payload: FileStoreEventMap[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** A snapshot of the counters. */
  stats(): FileStoreStats {
    return { ...this.#stats };
  }

  /** State of the read and write circuit breakers. */
  get circuit(): { read: string; write: string } {
    return this.#guard.circuit;
  }

  async get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    this.#open();
    assertNamespace(namespace);
    assertKey(key);
    const space = this.#space(namespace);
    return this.#guard.run('read', 'get', namespace, () => this.#reader.read(space.layout, key));
  }

  async getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.#open();
    assertNamespace(namespace);
    assertKeys(keys);
    const space = this.#space(namespace);
    return this.#guard.run('read', 'getMany', namespace, () =>
      this.#reader.readMany(space.layout, keys),
    );
  }

  async getWithFence(namespace: string, key: string): Promise<FencedRead> {
    this.#open();
    assertNamespace(namespace);
    assertKey(key);
    const space = this.#space(namespace);
    return this.#guard.run('read', 'getWithFence', namespace, async () => {
      // The fence is read first: any invalidation after it is then caught by the fence.
      const fence = await space.readFence();
      return { value: await this.#reader.read(space.layout, key), fence };
    });
  }

  async getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    this.#open();
    assertNamespace(namespace);
    assertKeys(keys);
    const space = this.#space(namespace);
    return this.#guard.run('read', 'getManyWithFence', namespace, async () => {
      const fence = await space.readFence();
      return { values: await this.#reader.readMany(space.layout, keys), fence };
    });
  }

  async set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    this.#open();
    assertNamespace(namespace);
    assertKey(key);
    assertValue(value);
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError('options', 'must be an object with ttlMs');
    }
    assertTtl(options.ttlMs);
    assertTags(options.tags);
    const fence = options.fence === undefined ? undefined : parseFence(options.fence);
    const space = this.#space(namespace);
    const entry: RemoteEntry = { key, value, ttlMs: options.ttlMs, tags: options.tags };
    const [outcome] = await this.#guard.run('write', 'set', namespace, () =>
      this.#write(space, [entry], fence),
    );
    return outcome!;
  }

  async setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    this.#open();
    assertNamespace(namespace);
    if (!Array.isArray(entries)) throw new InvalidOptionError('entries', 'must be an array');
    for (const entry of entries) assertEntry(entry);
    const parsed = fence === undefined ? undefined : parseFence(fence);
    if (entries.length === 0) return [];
    const space = this.#space(namespace);
    return this.#guard.run('write', 'setMany', namespace, () =>
      this.#write(space, entries, parsed),
    );
  }

  async has(namespace: string, key: string): Promise<boolean> {
    return (await this.get(namespace, key)) !== undefined;
  }

  async ttl(namespace: string, key: string): Promise<number | undefined> {
    this.#open();
    assertNamespace(namespace);
    assertKey(key);
    const space = this.#space(namespace);
    return this.#guard.run('read', 'ttl', namespace, async () => {
      const found = await this.#reader.entry(space.layout, key);
      return found ? Math.max(1, Math.ceil(found.expiresAt - this.#o.now())) : undefined;
    });
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return (await this.deleteMany(namespace, [key])) > 0;
  }

  async deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    this.#open();
    assertNamespace(namespace);
    assertKeys(keys);
    if (keys.length === 0) return 0;
    const space = this.#space(namespace);
    const hashed = keys.map((text) => ({ text, hash: digest(text) }));
    const n = await this.#guard.run('write', 'deleteMany', namespace, () => space.delete(hashed));
    this.#stats.deletes += n;
    return n;
  }

  async deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    this.#open();
    assertNamespace(namespace);
    assertTags(tags);
    if (tags === undefined) throw new InvalidKeyError('tags must be an array of strings');
    if (tags.length === 0) return 0;
    const space = this.#space(namespace);
    const hashed = [...new Set(tags)].map((text) => ({ text, hash: digest(text) }));
    const n = await this.#guard.run('write', 'deleteByTag', namespace, () =>
      space.deleteByTags(hashed),
    );
    this.#stats.deletes += n;
    return n;
  }

  async clear(namespace: string): Promise<void> {
    this.#open();
    assertNamespace(namespace);
    const space = this.#space(namespace);
    await this.#guard.run('write', 'clear', namespace, () => space.clear());
  }

  /**
   * Runs one cleaner pass now, on the worker thread: removes expired and corrupt files
   * and leftovers of crashed writers, evicts least recently used files over `maxBytes`,
   * and prunes stale tag markers. Resolves the pass's report.
   */
  async sweep(): Promise<SweepReport> {
    this.#open();
    return this.#housekeeping.sweep();
  }

  /** Stops the cleaner and waits for queued writes. Idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = (async () => {
        const stopping = this.#housekeeping.stop();
        await Promise.all([...this.#byRoot.values()].map((s) => s.close().catch(() => {})));
        await stopping;
        // A cleaner pass that was pruning tag markers may have touched another namespace.
        await Promise.all([...this.#byRoot.values()].map((s) => s.close().catch(() => {})));
      })();
    }
    return this.#closing;
  }

  /** Calls {@link FileStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('file store');
  }

  #space(namespace: string): NamespaceState {
    let space = this.#spaces.get(namespace);
    if (!space) {
      const layout = NamespaceLayout.of(this.#o.dir, namespace, this.#o.fanOut);
      space = this.#stateFor(layout);
      this.#spaces.set(namespace, space);
    }
    return space;
  }

  /** The state of a namespace directory (one per directory, whatever the lookup path). */
  #stateFor(layout: NamespaceLayout): NamespaceState {
    const existing = this.#byRoot.get(layout.root);
    if (existing) return existing;
    const state = new NamespaceState({
      layout,
      durability: this.#o.durability,
      lockTimeoutMs: this.#o.lockTimeoutMs,
      lockStaleMs: this.#o.lockStaleMs,
      marksMaxBytes: this.#o.marksMaxBytes,
      now: this.#o.now,
      onLockBreak: (path, holder) => {
        this.#stats.lockBreaks++;
        this.#events.emit('lock-break', { path, holder });
        this.#o.logger.warn({ path, holder }, 'cachestack file store: broke an abandoned lock');
      },
      onCorrupt: (path, reason) => this.#corrupt(path, reason),
    });
    this.#byRoot.set(layout.root, state);
    return state;
  }

  #corrupt(path: string, reason: string): void {
    this.#stats.corrupt++;
    this.#events.emit('corrupt', { path, reason });
    this.#o.logger.warn({ path, reason }, 'cachestack file store: corrupt entry file deleted');
  }

  async #write(
    space: NamespaceState,
    entries: readonly RemoteEntry[],
    fence: Fence | undefined,
  ): Promise<WriteOutcome[]> {
    let bytes = 0;
    for (const e of entries) bytes += e.value.byteLength;
    // Queued before the temporary files are written, so writes apply in call order.
    const outcomes = await space.put(
      prepareEntries(space.layout, entries, {
        now: this.#o.now(),
        durability: this.#o.durability,
        clockInjected: this.#o.clockInjected,
      }),
      fence,
    );
    for (const o of outcomes) {
      if (o === 'written') this.#stats.writes++;
      else this.#stats.fenced++;
    }
    this.#housekeeping.written(bytes);
    return outcomes;
  }
}

/** Creates a {@link FileStore}. */
export function fileStore(options: FileStoreOptions): FileStore {
  return new FileStore(options);
}
