import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { FileLockTimeoutError } from './errors.js';

/** Options of a {@link FileLock}. */
export interface FileLockOptions {
  readonly path: string;
  readonly timeoutMs: number;
  readonly staleMs: number;
  /** Called when an abandoned lock was broken. */
  readonly onBreak: (holder: string) => void;
}

const HOST = hostname();

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a new file with `content`; resolves its inode number. */
async function writeLockFile(path: string, content: string): Promise<number> {
  const handle = await fs.open(path, 'wx');
  try {
    await handle.write(content);
    return (await handle.stat()).ino;
  } catch (error) {
    await fs.unlink(path).catch(() => {});
    throw error;
  } finally {
    await handle.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A cross-process advisory lock: a lock file created with `O_EXCL` (atomic on local
 * file systems), holding `pid host thread token`. Node has no `flock`, so abandoned
 * locks are detected instead of released by the kernel: a lock whose holder process is
 * dead (same host) is broken at once, any other lock when its mtime — refreshed by the
 * holder every `staleMs / 3` — is older than `staleMs`.
 *
 * Breaking renames the lock file to a unique name first and checks that the renamed
 * file is still the one judged abandoned; if another process had replaced it in the
 * meantime, it is linked back. Limits: two processes breaking the same abandoned lock
 * while a third takes it can, in a window of a few system calls, both proceed; a holder
 * frozen (SIGSTOP, debugger) for longer than `staleMs` loses its lock. Both only matter
 * to conditional writes racing an invalidation at that moment.
 */
export class FileLock {
  readonly #o: FileLockOptions;
  #held = false;
  #ino = 0;
  #token = '';
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #owner: string | undefined;
  #ownerTouchedAt = 0;

  constructor(options: FileLockOptions) {
    this.#o = options;
  }

  /** Takes the lock, waiting up to `timeoutMs`. The caller serialises its own users. */
  async acquire(): Promise<void> {
    const started = Date.now();
    let delayMs = 1;
    for (;;) {
      if (await this.#tryCreate()) return;
      if (await this.#breakIfAbandoned()) continue;
      const waited = Date.now() - started;
      if (waited >= this.#o.timeoutMs) throw new FileLockTimeoutError(this.#o.path, waited);
      await sleep(delayMs + Math.random() * delayMs);
      delayMs = Math.min(delayMs * 2, 25);
    }
  }

  /** Releases the lock, unless it was broken by another process meanwhile. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    try {
      const stat = await fs.stat(this.#o.path);
      if (stat.ino === this.#ino) await fs.unlink(this.#o.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async #tryCreate(): Promise<boolean> {
    // The lock appears with its content at once: it is a hard link to this holder's
    // owner file (`pid host thread token`), and link(2) fails when the lock exists. A
    // holder killed at any moment leaves a lock that names its pid, so it can be broken
    // without waiting; taking the lock costs one system call.
    if (!this.#owner || Date.now() - this.#ownerTouchedAt > this.#o.staleMs / 3) {
      await this.#refreshOwner();
    }
    try {
      await fs.link(this.#owner!, this.#o.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'ENOENT') throw error;
      // The owner file or the namespace directory was removed: recreate and retry.
      this.#owner = undefined;
      return false;
    }
    this.#held = true;
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      this.#ownerTouchedAt = now.getTime();
      fs.utimes(this.#o.path, now, now).catch(() => {});
    }, this.#o.staleMs / 3);
    this.#heartbeat.unref();
    return true;
  }

  /** Creates the owner file, or refreshes its mtime (the lock's age) before linking it. */
  async #refreshOwner(): Promise<void> {
    const now = new Date();
    if (this.#owner) {
      try {
        await fs.utimes(this.#owner, now, now);
        this.#ownerTouchedAt = now.getTime();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const token = randomBytes(6).toString('hex');
    const owner = `${this.#o.path}.${process.pid}.${token}.owner`;
    try {
      this.#ino = await writeLockFile(owner, `${process.pid} ${HOST} ${threadId} ${token}\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.mkdir(dirname(this.#o.path), { recursive: true });
      this.#ino = await writeLockFile(owner, `${process.pid} ${HOST} ${threadId} ${token}\n`);
    }
    this.#owner = owner;
    this.#token = token;
    this.#ownerTouchedAt = now.getTime();
  }

  /** Removes this holder's owner file (the lock must not be held). */
  async dispose(): Promise<void> {
    const owner = this.#owner;
    this.#owner = undefined;
    if (owner) await fs.unlink(owner).catch(() => {});
  }

  /** Breaks the lock when its holder is gone; true when the caller should retry at once. */
  async #breakIfAbandoned(): Promise<boolean> {
    let content: string;
    let mtimeMs: number;
    try {
      const [text, stat] = await Promise.all([
        fs.readFile(this.#o.path, 'utf8'),
        fs.stat(this.#o.path),
      ]);
      content = text;
      mtimeMs = stat.mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    const [pid, host] = content.trim().split(' ');
    const deadHolder =
      host === HOST && pid !== undefined && /^\d+$/.test(pid) && !isAlive(Number(pid));
    // An empty lock file is a holder that died between create and write: stale by age only.
    if (!deadHolder && Date.now() - mtimeMs < this.#o.staleMs) return false;
    const aside = `${this.#o.path}.${process.pid}.${randomBytes(6).toString('hex')}.broken`;
    try {
      await fs.rename(this.#o.path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => '');
    if (moved !== content) {
      // Another process broke it first and took it: put its lock back.
      await fs.link(aside, this.#o.path).catch(() => {});
    } else {
      this.#o.onBreak(content.trim() || '(empty lock file)');
    }
    await fs.unlink(aside).catch(() => {});
    return true;
  }

  /** Token of the current hold (for diagnostics). */
  get token(): string {
    return this.#token;
  }
}
