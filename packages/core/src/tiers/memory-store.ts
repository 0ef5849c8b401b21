import { ClosedError, InvalidKeyError, InvalidOptionError } from '../contracts/errors.js';
import type {
  FencedRead,
  FencedReadMany,
  FenceToken,
  RemoteEntry,
  RemoteSetOptions,
  RemoteStore,
  WriteOutcome,
} from '../contracts/remote-store.js';
import {
  assertStoreEntry,
  assertStoreKey,
  assertStoreKeys,
  assertStoreTags,
} from '../kit/store-args.js';

interface Slot {
  bytes: Uint8Array;
  expiresAt: number;
  tags: readonly string[] | undefined;
}

interface Space {
  entries: Map<string, Slot>;
  epoch: number;
  clearMark: number;
  keyMarks: Map<string, number>;
  tagMarks: Map<string, number>;
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Clock, epoch ms. @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * A {@link RemoteStore} in process memory, with the full contract (TTL, tags, fencing).
 * For tests and for several caches sharing one "L2" inside one process; it is not
 * shared across processes. Values are copied in and out, as over a network.
 */
export class MemoryStore implements RemoteStore {
  readonly name = 'memory';
  readonly #spaces = new Map<string, Space>();
  readonly #now: () => number;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #space(namespace: string, ...keys: unknown[]): Space {
    if (this.#closed) throw new ClosedError('memory store');
    if (typeof namespace !== 'string' || namespace.length === 0) {
      throw new InvalidKeyError('namespace must be a non-empty string');
    }
    for (const key of keys) assertStoreKey(key);
    let space = this.#spaces.get(namespace);
    if (!space) {
      space = {
        entries: new Map(),
        epoch: 0,
        clearMark: 0,
        keyMarks: new Map(),
        tagMarks: new Map(),
      };
      this.#spaces.set(namespace, space);
    }
    return space;
  }

  #read(space: Space, key: string): Slot | undefined {
    const slot = space.entries.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt <= this.#now()) {
      space.entries.delete(key);
      return undefined;
    }
    return slot;
  }

  async get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    const slot = this.#read(this.#space(namespace, key), key);
    return slot ? Uint8Array.from(slot.bytes) : undefined;
  }

  async getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const space = this.#space(namespace, ...checkKeys(keys));
    return keys.map((key) => {
      const slot = this.#read(space, key);
      return slot ? Uint8Array.from(slot.bytes) : undefined;
    });
  }

  async getWithFence(namespace: string, key: string): Promise<FencedRead> {
    const space = this.#space(namespace, key);
    const slot = this.#read(space, key);
    return { value: slot ? Uint8Array.from(slot.bytes) : undefined, fence: String(space.epoch) };
  }

  async getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    const space = this.#space(namespace, ...checkKeys(keys));
    return { values: await this.getMany(namespace, keys), fence: String(space.epoch) };
  }

  #fenced(space: Space, key: string, tags: readonly string[] | undefined, fence: number): boolean {
    if (space.clearMark > fence) return true;
    if ((space.keyMarks.get(key) ?? 0) > fence) return true;
    return !!tags?.some((tag) => (space.tagMarks.get(tag) ?? 0) > fence);
  }

  #write(space: Space, entry: RemoteEntry, fence: number | undefined): WriteOutcome {
    if (!Number.isInteger(entry.ttlMs) || entry.ttlMs < 1) {
      throw new InvalidOptionError('ttlMs', 'must be an integer >= 1');
    }
    if (!(entry.value instanceof Uint8Array))
      throw new InvalidOptionError('value', 'must be a Uint8Array');
    if (fence !== undefined) {
      if (this.#fenced(space, entry.key, entry.tags, fence)) return 'fenced';
    } else {
      space.keyMarks.set(entry.key, ++space.epoch);
    }
    space.entries.set(entry.key, {
      bytes: Uint8Array.from(entry.value),
      expiresAt: this.#now() + entry.ttlMs,
      tags: entry.tags,
    });
    return 'written';
  }

  async set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    const space = this.#space(namespace);
    if (options === null || typeof options !== 'object')
      throw new InvalidOptionError('options', 'expected an object');
    assertStoreEntry({ key, value, ttlMs: options.ttlMs, tags: options.tags });
    const fence = options.fence === undefined ? undefined : parseFence(options.fence);
    return this.#write(space, { key, value, ttlMs: options.ttlMs, tags: options.tags }, fence);
  }

  async setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    const space = this.#space(namespace);
    if (!Array.isArray(entries)) throw new InvalidOptionError('entries', 'expected an array');
    for (const entry of entries) assertStoreEntry(entry); // all or nothing
    const f = fence === undefined ? undefined : parseFence(fence);
    return entries.map((entry) => this.#write(space, entry, f));
  }

  async has(namespace: string, key: string): Promise<boolean> {
    return this.#read(this.#space(namespace, key), key) !== undefined;
  }

  async ttl(namespace: string, key: string): Promise<number | undefined> {
    const slot = this.#read(this.#space(namespace, key), key);
    return slot ? slot.expiresAt - this.#now() : undefined;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return (await this.deleteMany(namespace, [key])) > 0;
  }

  async deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    const space = this.#space(namespace, ...checkKeys(keys));
    let n = 0;
    const epoch = ++space.epoch;
    for (const key of keys) {
      space.keyMarks.set(key, epoch);
      if (this.#read(space, key)) n++;
      space.entries.delete(key);
    }
    return n;
  }

  async deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    const space = this.#space(namespace);
    if (!Array.isArray(tags)) throw new InvalidKeyError('tags must be an array of strings');
    assertStoreTags(tags);
    const epoch = ++space.epoch;
    for (const tag of tags) space.tagMarks.set(tag, epoch);
    let n = 0;
    for (const [key, slot] of space.entries) {
      if (slot.tags?.some((t) => tags.includes(t))) {
        space.entries.delete(key);
        if (slot.expiresAt > this.#now()) n++;
      }
    }
    return n;
  }

  async clear(namespace: string): Promise<void> {
    const space = this.#space(namespace);
    space.clearMark = ++space.epoch;
    space.entries.clear();
    space.keyMarks.clear();
    space.tagMarks.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#spaces.clear();
  }
}

function checkKeys(keys: unknown): readonly string[] {
  assertStoreKeys(keys);
  return keys;
}

function parseFence(fence: FenceToken): number {
  const n = Number(fence);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidOptionError('fence', `not a fence of this store: ${fence}`);
  return n;
}

/** Creates an in-process {@link MemoryStore}. */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
