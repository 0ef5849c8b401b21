import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { decodeHead, type EntryHead, headLength } from './entry-file.js';

/** Small promise helpers around the file system, shared by the store's operations. */

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && codes.includes(code);
}

/** First read size: most entries fit, and then no `fstat` is needed. */
const FIRST_READ = 16 * 1024;

/**
 * Reads a whole file, or `undefined` when it does not exist: open, one read, close when
 * the file is smaller than 16 KB (the common case), plus an `fstat` and a second read
 * otherwise. With `touchSeconds`, sets the file's mtime (the shared LRU clock).
 */
export async function readWholeFile(
  path: string,
  touchSeconds?: number,
): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  try {
    // Not from the shared pool: a returned value must not pin a pool slab.
    let buf = Buffer.allocUnsafeSlow(FIRST_READ);
    let read = (await handle.read(buf, 0, FIRST_READ, 0)).bytesRead;
    if (read === FIRST_READ) {
      const size = (await handle.stat()).size;
      const whole = Buffer.allocUnsafeSlow(Math.max(size, FIRST_READ));
      buf.copy(whole, 0, 0, FIRST_READ);
      buf = whole;
      while (read < size) {
        const { bytesRead } = await handle.read(buf, read, size - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
    }
    if (touchSeconds !== undefined) await handle.utimes(touchSeconds, touchSeconds).catch(() => {});
    return buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Reads and verifies only the head of an entry file; `undefined` when absent. */
export async function readHead(path: string): Promise<EntryHead | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  try {
    let buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    buf = buf.subarray(0, bytesRead);
    const length = headLength(buf);
    if (length > buf.length) {
      const more = Buffer.alloc(length);
      const r = await handle.read(more, 0, length, 0);
      buf = more.subarray(0, r.bytesRead);
    }
    return decodeHead(buf);
  } finally {
    await handle.close();
  }
}

/** Unlinks a file; resolves whether it existed. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await fs.unlink(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

/** fsyncs a directory, so that renames and unlinks in it survive power loss. */
export async function syncDir(path: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on directories; that is not a failure of the write.
    if (!isErrno(error, 'EINVAL', 'EISDIR', 'EBADF')) throw error;
  } finally {
    await handle.close();
  }
}

/** Options of {@link writeTempFile}. */
export interface TempWrite {
  readonly dir: string;
  readonly buffers: readonly Buffer[];
  readonly sync: boolean;
  /** Sets the mtime (epoch ms) instead of the real time (tests with a fake clock). */
  readonly mtimeMs?: number | undefined;
}

/** Writes a new, uniquely named file in `dir` (created when missing); resolves its path. */
export async function writeTempFile(write: TempWrite): Promise<string> {
  const path = join(write.dir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'wx');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await fs.mkdir(write.dir, { recursive: true });
    handle = await fs.open(path, 'wx');
  }
  try {
    let total = 0;
    for (const b of write.buffers) total += b.length;
    const { bytesWritten } = await handle.writev(write.buffers as Buffer[], 0);
    if (bytesWritten !== total) {
      // writev on a regular file only comes up short when the disk is full.
      const error = new Error(`short write to ${path}: ${bytesWritten} of ${total} bytes`);
      (error as NodeJS.ErrnoException).code = 'ENOSPC';
      throw error;
    }
    if (write.sync) await handle.sync();
    if (write.mtimeMs !== undefined) {
      const seconds = write.mtimeMs / 1000;
      await handle.utimes(seconds, seconds);
    }
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return path;
}

/** Renames, creating the target's directory when it is missing. */
export async function renameInto(from: string, to: string, toDir: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await fs.mkdir(toDir, { recursive: true });
    await fs.rename(from, to);
  }
}

/** Creates an empty file when missing (a tag marker), creating its directory too. */
export async function touchMarker(path: string, dir: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'a');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await fs.mkdir(dir, { recursive: true });
    handle = await fs.open(path, 'a');
  }
  await handle.close();
}
