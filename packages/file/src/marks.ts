import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { type FenceToken, InvalidOptionError } from '@cachestack/core';

/**
 * The invalidation log of a namespace, the source of fence tokens.
 *
 * A 64-byte header (`CSMARKS1 <incarnation> <base>`) followed by fixed 34-byte records,
 * appended under the namespace lock: `K<key hash>\n` (the key was deleted or set
 * unconditionally) or `T<tag hash>\n` (the tag was invalidated). The epoch of a record
 * is `base + offset - 64`; the current epoch is `base + size - 64`, so reading a fence
 * needs only a `stat` of the log and no lock. A record appended after a fence was read
 * has an epoch >= that fence, which is exactly the "invalidated since" test.
 *
 * Clearing the namespace and compaction replace the log (atomic rename) with an empty
 * one whose base is past every epoch issued: every older fence is then below the base
 * and fenced. The incarnation, random per log lineage, fences tokens that were issued
 * by a log that was deleted from outside (directory wiped).
 */

const HEADER = 64;
const RECORD = 34;
const HEADER_RE = /^CSMARKS1 ([0-9a-f]{16}) (\d{1,20}) *\n$/;
const FENCE_RE = /^([0-9a-f]{16}):(\d{1,16})$/;

/** A parsed fence token. */
export interface Fence {
  readonly incarnation: string;
  readonly epoch: number;
}

/** Parses a fence token of this store. */
export function parseFence(token: FenceToken): Fence {
  const match = typeof token === 'string' ? FENCE_RE.exec(token) : null;
  if (!match) throw new InvalidOptionError('fence', 'must be a fence token returned by this store');
  return { incarnation: match[1]!, epoch: Number(match[2]) };
}

function header(incarnation: string, base: number): Buffer {
  const text = `CSMARKS1 ${incarnation} ${base}`;
  return Buffer.from(`${text.padEnd(HEADER - 1, ' ')}\n`, 'latin1');
}

function parseHeader(bytes: Buffer): { incarnation: string; base: number } | undefined {
  const match = HEADER_RE.exec(bytes.toString('latin1'));
  return match ? { incarnation: match[1]!, base: Number(match[2]) } : undefined;
}

/** One namespace's invalidation log, as seen by this process. */
export class MarksLog {
  readonly #path: string;
  readonly #sync: boolean;
  // Lock-free fence reads: header of the file last seen under this inode.
  #fenceIno = -1;
  #fenceBirth = -1;
  #fenceIncarnation = '';
  #fenceBase = 0;
  // State under the lock.
  #handle: fs.FileHandle | undefined;
  #ino = -1;
  #incarnation = '';
  #base = 0;
  #size = HEADER;
  #parsedTo = HEADER;
  #garbageEpoch = -1;
  #keys = new Map<string, number>();
  #tags = new Map<string, number>();
  #pending: string[] = [];
  /** Whether the log holds a damaged record and should be replaced. */
  damaged = false;

  constructor(path: string, sync: boolean) {
    this.#path = path;
    this.#sync = sync;
  }

  /** The current fence, without the lock: one `stat` when the log did not change inode. */
  async readFence(): Promise<FenceToken> {
    let stat = await fs.stat(this.#path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stat) {
      await this.#create();
      stat = await fs.stat(this.#path);
    }
    // Inode numbers are reused after a log is replaced and freed: the birth time tells a
    // new file with a recycled number apart (where the file system reports one).
    if (stat.ino !== this.#fenceIno || stat.birthtimeMs !== this.#fenceBirth) {
      const handle = await fs.open(this.#path, 'r');
      try {
        const buf = Buffer.alloc(HEADER);
        await handle.read(buf, 0, HEADER, 0);
        const parsed = parseHeader(buf);
        stat = await handle.stat();
        if (!parsed) {
          // Damaged header: a fence nobody can match; writers repair the log under the lock.
          return `${'0'.repeat(16)}:0`;
        }
        this.#fenceIno = stat.ino;
        this.#fenceBirth = stat.birthtimeMs;
        this.#fenceIncarnation = parsed.incarnation;
        this.#fenceBase = parsed.base;
      } finally {
        await handle.close();
      }
    }
    return `${this.#fenceIncarnation}:${this.#fenceBase + stat.size - HEADER}`;
  }

  /** Creates the log when missing (atomic: link fails when another process won). */
  async #create(): Promise<void> {
    await fs.mkdir(dirname(this.#path), { recursive: true });
    const tmp = `${this.#path}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, header(randomBytes(8).toString('hex'), 0));
    try {
      await fs.link(tmp, this.#path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.unlink(tmp).catch(() => {});
    }
  }

  /**
   * Under the lock: reads the records appended since last time. The log stays open
   * between holds; one `stat` tells whether it was replaced (while this process holds
   * the old file open, a new one cannot reuse its inode number).
   */
  async refresh(): Promise<void> {
    if (this.#handle) {
      const stat = await fs.stat(this.#path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (stat && stat.ino === this.#ino && stat.size >= this.#parsedTo) {
        await this.#readTail(stat.size);
        return;
      }
      await this.close();
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.#path, 'a+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.#create();
      handle = await fs.open(this.#path, 'a+');
    }
    this.#handle = handle;
    const head = Buffer.alloc(HEADER);
    await handle.read(head, 0, HEADER, 0);
    const stat = await handle.stat();
    this.#ino = stat.ino;
    const parsed = parseHeader(head);
    if (!parsed) {
      // Unreadable header (damage from outside): treat every fence as invalidated.
      this.damaged = true;
      this.#reset(randomBytes(8).toString('hex'), 0, stat.size);
      this.#garbageEpoch = Number.MAX_SAFE_INTEGER;
      return;
    }
    if (
      parsed.incarnation !== this.#incarnation ||
      parsed.base !== this.#base ||
      stat.size < this.#parsedTo
    ) {
      this.#reset(parsed.incarnation, parsed.base, stat.size);
    }
    await this.#readTail(stat.size);
  }

  async #readTail(size: number): Promise<void> {
    this.#size = size;
    if (size > this.#parsedTo) {
      const buf = Buffer.alloc(size - this.#parsedTo);
      await this.#handle!.read(buf, 0, buf.length, this.#parsedTo);
      this.#parse(buf, this.#parsedTo);
      this.#parsedTo = size;
    }
  }

  #reset(incarnation: string, base: number, size: number): void {
    this.#incarnation = incarnation;
    this.#base = base;
    this.#size = size;
    this.#parsedTo = HEADER;
    this.#garbageEpoch = -1;
    this.#keys.clear();
    this.#tags.clear();
  }

  #parse(buf: Buffer, fileOffset: number): void {
    for (let i = 0; i < buf.length; i += RECORD) {
      const epoch = this.#base + fileOffset + i - HEADER;
      const record = buf.toString('latin1', i, i + RECORD);
      const kind = record[0];
      if (
        record.length !== RECORD ||
        record[RECORD - 1] !== '\n' ||
        (kind !== 'K' && kind !== 'T')
      ) {
        // A torn or foreign record: an invalidation of unknown scope, so fence everything
        // older than it, and have the log replaced.
        this.#garbageEpoch = Math.max(this.#garbageEpoch, epoch);
        this.damaged = true;
        continue;
      }
      (kind === 'K' ? this.#keys : this.#tags).set(record.slice(1, RECORD - 1), epoch);
    }
  }

  /** The epoch the next appended record will get. */
  get #nextEpoch(): number {
    return this.#base + this.#size - HEADER + this.#pending.length * RECORD;
  }

  /** Under the lock: whether a conditional write with this fence must be skipped. */
  isFenced(fence: Fence, keyHash: string, tagHashes: readonly string[]): boolean {
    const f = fence.epoch;
    if (fence.incarnation !== this.#incarnation || f < this.#base) return true;
    if (this.#garbageEpoch >= f) return true;
    if ((this.#keys.get(keyHash) ?? -1) >= f) return true;
    for (const tag of tagHashes) if ((this.#tags.get(tag) ?? -1) >= f) return true;
    return false;
  }

  /** Under the lock: records an invalidation; effective at once for `isFenced`. */
  stage(kind: 'K' | 'T', hash: string): void {
    (kind === 'K' ? this.#keys : this.#tags).set(hash, this.#nextEpoch);
    this.#pending.push(`${kind}${hash}\n`);
  }

  /** Under the lock: appends the staged records in one write. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const buf = Buffer.from(this.#pending.join(''), 'latin1');
    this.#pending = [];
    try {
      await this.#handle!.write(buf, 0, buf.length);
    } catch (error) {
      // Unknown how much landed: re-read everything on the next refresh.
      this.#reset('', -1, HEADER);
      throw error;
    }
    this.#size += buf.length;
    this.#parsedTo = this.#size;
  }

  /** Under the lock: drops staged records (their operations failed before any effect). */
  discard(): void {
    if (this.#pending.length > 0) this.#reset('', -1, HEADER);
    this.#pending = [];
  }

  /** Log size in bytes (under the lock). */
  get size(): number {
    return this.#size;
  }

  /**
   * Under the lock: replaces the log with an empty one whose base is past every epoch
   * issued so far, which fences every older token (clear, compaction, repair).
   */
  async replace(): Promise<void> {
    const incarnation = this.#incarnation || randomBytes(8).toString('hex');
    const base = Math.max(this.#nextEpoch, this.#garbageEpoch) + 1;
    const tmp = join(dirname(this.#path), `marks.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.write(header(incarnation, base));
      if (this.#sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.#path);
    await this.#handle?.close().catch(() => {});
    this.#handle = await fs.open(this.#path, 'a+');
    this.#ino = (await this.#handle.stat()).ino;
    this.#pending = [];
    this.damaged = false;
    this.#reset(incarnation, base, HEADER);
  }

  /** Under the lock, at release: drops what was staged but not written. */
  release(): void {
    this.#pending = [];
  }

  /** Closes the log file (the store is closing, or the file was replaced). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }
}
