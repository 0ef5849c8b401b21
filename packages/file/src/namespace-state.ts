import { join } from 'node:path';
import type { WriteOutcome } from '@cachestack/core';
import { renameInto, syncDir, touchMarker, unlinkIfExists } from './entry-io.js';
import type { NamespaceLayout } from './layout.js';
import { FileLock } from './lock.js';
import { type Fence, MarksLog } from './marks.js';
import {
  type AdminContext,
  clearNamespace,
  deleteTagged,
  type Hashed,
  isLiveEntry,
  pruneMarkers,
} from './namespace-admin.js';
import { pool } from './pool.js';

/** An entry already written to a temporary file, waiting to be published. */
export interface PreparedEntry {
  readonly key: string;
  readonly keyHash: string;
  readonly tagHashes: readonly string[];
  readonly tmp: string;
}

type Job =
  | {
      kind: 'put';
      /** Temporary files being written; the job keeps its place in the queue meanwhile. */
      prepared: Promise<readonly PreparedEntry[]>;
      entries: readonly PreparedEntry[];
      fence: Fence | undefined;
      out: Out<WriteOutcome[]>;
    }
  | { kind: 'delete'; keys: readonly Hashed[]; out: Out<number> }
  | { kind: 'tags'; tags: readonly Hashed[]; out: Out<number> }
  | { kind: 'clear'; out: Out<void> }
  | { kind: 'prune'; markers: readonly string[]; out: Out<number> };

interface Out<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  value?: T;
  error?: unknown;
  settled?: boolean;
}

/** What the namespace state needs from the store. */
export interface NamespaceStateOptions {
  readonly layout: NamespaceLayout;
  readonly durability: 'full' | 'data' | 'none';
  readonly lockTimeoutMs: number;
  readonly lockStaleMs: number;
  readonly marksMaxBytes: number;
  readonly now: () => number;
  readonly onLockBreak: (path: string, holder: string) => void;
  readonly onCorrupt: (path: string, reason: string) => void;
}

const MAX_BATCH = 256;
/** Keys published (renamed, unlinked) at once within a lock hold. */
const PUBLISH_CONCURRENCY = 16;

/**
 * Every mutation of one namespace, serialised: in this process by a queue, across
 * processes by the namespace lock. Jobs queued while a lock is held are applied
 * together in the next hold (group commit), so concurrent writers pay for the lock once.
 *
 * Within a hold, a batch is applied in three phases: decide (fence checks against the
 * invalidation log, staging the batch's own invalidation records), append the staged
 * records in one write, then publish (rename temporary files, unlink deleted entries).
 * Records are on disk before any effect, so no process can commit a conditional write
 * that an already-visible invalidation should have fenced.
 */
export class NamespaceState {
  readonly layout: NamespaceLayout;
  readonly #o: NamespaceStateOptions;
  readonly #lock: FileLock;
  readonly #marks: MarksLog;
  readonly #admin: AdminContext;
  #queue: Job[] = [];
  #running: Promise<void> | undefined;

  constructor(options: NamespaceStateOptions) {
    this.#o = options;
    this.layout = options.layout;
    this.#lock = new FileLock({
      path: options.layout.lock,
      timeoutMs: options.lockTimeoutMs,
      staleMs: options.lockStaleMs,
      onBreak: (holder) => options.onLockBreak(options.layout.lock, holder),
    });
    this.#marks = new MarksLog(options.layout.marks, options.durability !== 'none');
    this.#admin = {
      layout: options.layout,
      marks: this.#marks,
      now: options.now,
      onCorrupt: options.onCorrupt,
    };
  }

  /** The current fence token (no lock). */
  readFence(): Promise<string> {
    return this.#marks.readFence();
  }

  /**
   * Publishes entries whose temporary files are being written by `prepared`. The job is
   * queued at once, so mutations of a namespace apply in call order (a `set` followed by
   * a `delete` of the same key, neither awaited, ends deleted), as with a Redis pipeline.
   */
  put(
    prepared: Promise<readonly PreparedEntry[]>,
    fence: Fence | undefined,
  ): Promise<WriteOutcome[]> {
    // Settled by #hold; this keeps an early failure from being reported as unhandled.
    prepared.catch(() => {});
    return this.#enqueue((out) => ({ kind: 'put', prepared, entries: [], fence, out }));
  }

  delete(keys: readonly Hashed[]): Promise<number> {
    return this.#enqueue((out) => ({ kind: 'delete', keys, out }));
  }

  deleteByTags(tags: readonly Hashed[]): Promise<number> {
    return this.#enqueue((out) => ({ kind: 'tags', tags, out }));
  }

  clear(): Promise<void> {
    return this.#enqueue((out) => ({ kind: 'clear', out }));
  }

  /** Removes tag markers whose entry file is gone (candidates found by the cleaner). */
  prune(markers: readonly string[]): Promise<number> {
    return this.#enqueue((out) => ({ kind: 'prune', markers, out }));
  }

  /** Resolves when every queued job has been applied. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** After {@link idle}: closes the invalidation log and removes the lock owner file. */
  async close(): Promise<void> {
    await this.idle();
    await this.#marks.close();
    await this.#lock.dispose();
  }

  #enqueue<T>(make: (out: Out<T>) => Job): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(make({ resolve, reject } as Out<T>) as Job);
      if (!this.#running) {
        this.#running = this.#drain().finally(() => {
          this.#running = undefined;
        });
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const first = this.#queue[0]!;
      let batch: Job[];
      if (first.kind === 'put' || first.kind === 'delete') {
        let n = 1;
        while (n < this.#queue.length && n < MAX_BATCH) {
          const kind = this.#queue[n]!.kind;
          if (kind !== 'put' && kind !== 'delete') break;
          n++;
        }
        batch = this.#queue.splice(0, n);
      } else {
        batch = this.#queue.splice(0, 1);
      }
      await this.#hold(batch);
    }
  }

  async #hold(batch: Job[]): Promise<void> {
    const dirs = new Set<string>();
    // Temporary files are written outside the lock, in parallel.
    for (const job of batch) {
      if (job.kind !== 'put') continue;
      try {
        job.entries = await job.prepared;
      } catch (error) {
        fail(job.out, error);
      }
    }
    const live = batch.filter((job) => job.out.error === undefined);
    if (live.length === 0) {
      this.#settle(batch);
      return;
    }
    try {
      await this.#lock.acquire();
    } catch (error) {
      for (const job of batch) fail(job.out, error);
      await this.#cleanupTmps(batch);
      this.#settle(batch);
      return;
    }
    try {
      await this.#marks.refresh();
      if (this.#marks.damaged || this.#marks.size > this.#o.marksMaxBytes) {
        await this.#marks.replace();
      }
      const job = batch[0]!;
      if (job.kind === 'tags') job.out.value = await deleteTagged(this.#admin, job.tags, dirs);
      else if (job.kind === 'clear') await clearNamespace(this.#admin, dirs);
      else if (job.kind === 'prune') job.out.value = await pruneMarkers(this.#admin, job.markers);
      else await this.#batch(live, dirs);
    } catch (error) {
      this.#marks.discard();
      for (const job of batch) if (job.out.error === undefined) fail(job.out, error);
    } finally {
      this.#marks.release();
      await this.#lock.release().catch(() => {});
    }
    await this.#cleanupTmps(batch);
    if (this.#o.durability === 'full' && dirs.size > 0) {
      try {
        await Promise.all([...dirs].map(syncDir));
      } catch (error) {
        for (const job of batch) if (job.out.error === undefined) fail(job.out, error);
      }
    }
    this.#settle(batch);
  }

  #settle(batch: Job[]): void {
    for (const job of batch) {
      const out = job.out as Out<unknown>;
      if (out.error !== undefined) out.reject(out.error);
      else out.resolve(out.value);
    }
  }

  /** Removes temporary files of puts that were not published (fenced or failed). */
  async #cleanupTmps(batch: Job[]): Promise<void> {
    const tmps: string[] = [];
    for (const job of batch) {
      if (job.kind !== 'put') continue;
      const outcomes = job.out.value;
      job.entries.forEach((e, i) => {
        if (job.out.error !== undefined || outcomes?.[i] !== 'written') tmps.push(e.tmp);
      });
    }
    await Promise.all(tmps.map((t) => unlinkIfExists(t).catch(() => false)));
  }

  async #batch(batch: Job[], dirs: Set<string>): Promise<void> {
    const marks = this.#marks;
    // Phase 1: decide, and stage this batch's invalidation records.
    for (const job of batch) {
      if (job.kind === 'put') {
        job.out.value = job.entries.map((e) => {
          if (job.fence !== undefined) {
            return marks.isFenced(job.fence, e.keyHash, e.tagHashes) ? 'fenced' : 'written';
          }
          marks.stage('K', e.keyHash);
          return 'written';
        });
      } else if (job.kind === 'delete') {
        for (const k of job.keys) marks.stage('K', k.hash);
      }
    }
    // Phase 2: the records reach the log before any effect.
    try {
      await marks.flush();
    } catch (error) {
      // Deleting is always safe: remove what we can, then report the failure.
      for (const job of batch) {
        if (job.kind === 'delete') {
          await Promise.all(
            job.keys.map((k) => unlinkIfExists(this.layout.entry(k.hash)).catch(() => false)),
          );
        }
        fail(job.out, error);
      }
      return;
    }
    // Phase 3: publish. Effects on one key run in call order; different keys in parallel.
    const now = this.#o.now();
    const perKey = new Map<string, { job: Job; run: () => Promise<number> }[]>();
    const add = (hash: string, job: Job, run: () => Promise<number>) => {
      let tasks = perKey.get(hash);
      if (!tasks) {
        tasks = [];
        perKey.set(hash, tasks);
      }
      tasks.push({ job, run });
    };
    for (const job of batch) {
      if (job.kind === 'put') {
        job.entries.forEach((e, i) => {
          if (job.out.value![i] === 'written') add(e.keyHash, job, () => this.#publish(e, dirs));
        });
      } else if (job.kind === 'delete') {
        job.out.value = 0;
        for (const k of new Map(job.keys.map((k) => [k.hash, k])).values()) {
          add(k.hash, job, () => this.#deleteKey(k, now, dirs));
        }
      }
    }
    const chains = [...perKey.values()];
    const run = async (i: number) => {
      for (const task of chains[i]!) {
        try {
          const n = await task.run();
          if (task.job.kind === 'delete') task.job.out.value! += n;
        } catch (error) {
          fail(task.job.out, error);
        }
      }
    };
    await pool(chains.length, PUBLISH_CONCURRENCY, run, false);
  }

  /** Renames one prepared entry into place; its tag markers are created first. */
  async #publish(e: PreparedEntry, dirs: Set<string>): Promise<number> {
    // Markers first: an entry carrying a tag always has its marker.
    for (const tagHash of e.tagHashes) {
      const dir = this.layout.tagDir(tagHash);
      await touchMarker(join(dir, e.keyHash), dir);
      dirs.add(dir);
    }
    const partition = this.layout.partition(e.keyHash);
    await renameInto(e.tmp, join(partition, e.keyHash), partition);
    dirs.add(partition);
    return 1;
  }

  /** Unlinks one entry; 1 when it existed, was intact and unexpired. */
  async #deleteKey(k: Hashed, now: number, dirs: Set<string>): Promise<number> {
    const path = this.layout.entry(k.hash);
    const live = await isLiveEntry(this.#admin, path, now, (head) => head.key === k.text);
    const existed = await unlinkIfExists(path);
    dirs.add(this.layout.partition(k.hash));
    return existed && live ? 1 : 0;
  }
}

function fail(out: Out<unknown>, error: unknown): void {
  if (out.error === undefined) out.error = error ?? new Error('unknown failure');
}
