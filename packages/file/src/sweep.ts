import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { CorruptFileError, decodeHead, headLength } from './entry-file.js';
import { FORMAT_DIR } from './layout.js';

/**
 * One pass of the cleaner, synchronous: it runs on a worker thread, where blocking
 * system calls cost the event loop nothing and leave libuv's thread pool to the store's
 * own operations. It takes no lock: it only ever removes files, which for a cache is
 * always safe (at worst a value written a moment ago becomes a miss).
 */

/** Options of {@link sweepSync}. */
export interface SweepOptions {
  readonly dir: string;
  readonly levels: number;
  readonly now: number;
  readonly maxBytes: number;
  readonly evictToRatio: number;
  readonly tmpMaxAgeMs: number;
  /** Most dangling tag markers reported per sweep. */
  readonly maxDangling?: number;
}

/** What a sweep did and found. */
export interface SweepReport {
  /** Live entry files after the sweep. */
  readonly files: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  readonly expired: number;
  readonly evicted: number;
  readonly evictedBytes: number;
  readonly corrupt: number;
  /** Temporary files of crashed writers, and directories moved away by `clear`, removed. */
  readonly leftoversRemoved: number;
  /** Tag markers whose entry file is gone, by namespace directory (pruned under the lock). */
  readonly dangling: readonly { readonly root: string; readonly markers: readonly string[] }[];
  readonly durationMs: number;
  /** Thread that ran the sweep (the cleaner's worker, never the main thread's 0). */
  readonly threadId: number;
}

/** Expiry of an entry file, remembered per inode so unchanged files are not re-read. */
export type HeadCache = Map<string, { ino: number; expiresAt: number }>;

interface Live {
  path: string;
  size: number;
  mtimeMs: number;
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function unlinkQuiet(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Expiry of the entry file at `path`, after verifying its head and its length. */
function readExpiry(path: string, size: number): number {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.alloc(Math.min(4096, Math.max(size, 32)));
    let n = readSync(fd, buf, 0, buf.length, 0);
    const length = headLength(buf.subarray(0, n));
    if (length > n) {
      buf = Buffer.alloc(length);
      n = readSync(fd, buf, 0, length, 0);
    }
    const head = decodeHead(buf.subarray(0, n));
    if (head.fileLength !== size) throw new CorruptFileError('length');
    return head.expiresAt;
  } finally {
    closeSync(fd);
  }
}

/** Runs one sweep over every namespace under `dir`. */
export function sweepSync(o: SweepOptions, cache: HeadCache): SweepReport {
  const started = performance.now();
  const seen: HeadCache = new Map();
  const live: Live[] = [];
  const dangling: { root: string; markers: string[] }[] = [];
  const maxDangling = o.maxDangling ?? 10_000;
  let danglingCount = 0;
  let expired = 0;
  let corrupt = 0;
  let leftovers = 0;
  let bytes = 0;

  const base = join(o.dir, FORMAT_DIR);
  for (const ns of list(base)) {
    if (!ns.isDirectory()) continue;
    const root = join(base, ns.name);
    for (const f of list(root)) {
      // Temporary marks files and broken-lock leftovers of crashed processes.
      if (f.isFile() && (f.name.endsWith('.tmp') || f.name.endsWith('.broken'))) {
        leftovers += removeIfOld(join(root, f.name), o);
      } else if (f.isFile() && f.name.endsWith('.owner')) {
        // Lock owner files (see lock.ts) of processes that are gone, or long idle.
        leftovers += removeOwnerIfGone(join(root, f.name), o);
      }
    }
    for (const t of list(join(root, 'trash'))) {
      rmSync(join(root, 'trash', t.name), { recursive: true, force: true });
      leftovers++;
    }
    for (const t of list(join(root, 'tmp'))) leftovers += removeIfOld(join(root, 'tmp', t.name), o);

    const liveHashes = new Set<string>();
    const walk = (dir: string, depth: number): void => {
      for (const d of list(dir)) {
        const path = join(dir, d.name);
        if (depth < o.levels) {
          if (d.isDirectory()) walk(path, depth + 1);
          continue;
        }
        if (!d.isFile()) continue;
        let stat: ReturnType<typeof lstatSync>;
        try {
          stat = lstatSync(path);
        } catch {
          continue;
        }
        let expiresAt: number;
        const cached = cache.get(path);
        if (cached && cached.ino === stat.ino) {
          expiresAt = cached.expiresAt;
        } else {
          try {
            expiresAt = readExpiry(path, stat.size);
          } catch (error) {
            if (error instanceof CorruptFileError && unlinkQuiet(path)) corrupt++;
            continue;
          }
        }
        if (expiresAt <= o.now) {
          if (unlinkQuiet(path)) expired++;
          continue;
        }
        seen.set(path, { ino: stat.ino, expiresAt });
        live.push({ path, size: stat.size, mtimeMs: stat.mtimeMs });
        liveHashes.add(d.name);
        bytes += stat.size;
      }
    };
    walk(join(root, 'data'), 0);

    const markers: string[] = [];
    for (const bucket of list(join(root, 'tags'))) {
      for (const tag of list(join(root, 'tags', bucket.name))) {
        const tagDir = join(root, 'tags', bucket.name, tag.name);
        for (const m of list(tagDir)) {
          if (danglingCount >= maxDangling) break;
          if (!liveHashes.has(m.name)) {
            markers.push(join(tagDir, m.name));
            danglingCount++;
          }
        }
      }
    }
    if (markers.length > 0) dangling.push({ root, markers });
  }

  let evicted = 0;
  let evictedBytes = 0;
  let files = live.length;
  if (bytes > o.maxBytes) {
    // Least recently used first: the mtime is refreshed by reads (see touchIntervalMs).
    live.sort((a, b) => a.mtimeMs - b.mtimeMs);
    const target = o.maxBytes * o.evictToRatio;
    for (const f of live) {
      if (bytes <= target) break;
      if (unlinkQuiet(f.path)) {
        evicted++;
        evictedBytes += f.size;
        files--;
        seen.delete(f.path);
      }
      bytes -= f.size;
    }
  }

  cache.clear();
  for (const [k, v] of seen) cache.set(k, v);
  return {
    files,
    bytes,
    expired,
    evicted,
    evictedBytes,
    corrupt,
    leftoversRemoved: leftovers,
    dangling,
    durationMs: Number((performance.now() - started).toFixed(3)),
    threadId,
  };
}

function removeIfOld(path: string, o: SweepOptions): number {
  try {
    const stat = lstatSync(path);
    if (o.now - stat.mtimeMs > o.tmpMaxAgeMs && unlinkQuiet(path)) return 1;
  } catch {
    // Gone already.
  }
  return 0;
}

function removeOwnerIfGone(path: string, o: SweepOptions): number {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    if (host === hostname() && pid !== undefined && /^\d+$/.test(pid)) {
      try {
        process.kill(Number(pid), 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return unlinkQuiet(path) ? 1 : 0;
      }
    }
  } catch {
    return 0;
  }
  return removeIfOld(path, o);
}
