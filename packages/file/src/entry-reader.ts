import { CorruptFileError, decodeEntry } from './entry-file.js';
import { readWholeFile, unlinkIfExists } from './entry-io.js';
import type { FileStoreStats } from './file-events.js';
import { digest, type NamespaceLayout } from './layout.js';
import { pool } from './pool.js';

/** Most paths remembered as recently touched (see `#touch`). */
const TOUCH_MEMO_MAX = 100_000;
/** Most files a batch read has open at once. */
const READ_CONCURRENCY = 32;

/** What {@link EntryReader} needs from the store. */
export interface EntryReaderOptions {
  readonly now: () => number;
  readonly touchIntervalMs: number;
  readonly stats: FileStoreStats;
  readonly onCorrupt: (path: string, reason: string) => void;
}

/**
 * The read path: no lock, one file read, both checksums verified; a damaged file is
 * deleted and counted, an expired one deleted, either read as a miss.
 */
export class EntryReader {
  readonly #r: EntryReaderOptions;
  readonly #touched = new Map<string, number>();

  constructor(options: EntryReaderOptions) {
    this.#r = options;
  }

  /** Reads and verifies an entry; deletes it when corrupt or expired. */
  async entry(
    layout: NamespaceLayout,
    key: string,
  ): Promise<{ value: Uint8Array; expiresAt: number } | undefined> {
    const path = layout.entry(digest(key));
    const now = this.#r.now();
    const bytes = await readWholeFile(path, this.#touch(path, now));
    if (bytes === undefined) return undefined;
    let decoded: ReturnType<typeof decodeEntry>;
    try {
      decoded = decodeEntry(bytes);
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      // Deleting without the lock is safe: at worst a value written just now becomes a miss.
      await unlinkIfExists(path).catch(() => false);
      this.#r.onCorrupt(path, error.reason);
      return undefined;
    }
    // Another key with the same 128-bit hash: not ours, and not damaged either.
    if (decoded.head.key !== key) return undefined;
    if (decoded.head.expiresAt <= now) {
      if (await unlinkIfExists(path).catch(() => false)) this.#r.stats.expired++;
      return undefined;
    }
    const v = decoded.value;
    return {
      value: new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      expiresAt: decoded.head.expiresAt,
    };
  }

  /**
   * Whether a read should refresh the file's mtime: when this process has not done so
   * for `touchIntervalMs` (other processes keep their own memo; at worst each refreshes
   * a hot file once per interval). The memo is bounded: cleared when it grows large.
   */
  #touch(path: string, now: number): number | undefined {
    const last = this.#touched.get(path);
    if (last !== undefined && now - last < this.#r.touchIntervalMs) return undefined;
    if (this.#touched.size >= TOUCH_MEMO_MAX) this.#touched.clear();
    this.#touched.set(path, now);
    return now / 1000;
  }

  async read(layout: NamespaceLayout, key: string): Promise<Uint8Array | undefined> {
    const found = await this.entry(layout, key);
    if (found) this.#r.stats.hits++;
    else this.#r.stats.misses++;
    return found?.value;
  }

  async readMany(layout: NamespaceLayout, keys: readonly string[]) {
    const out: (Uint8Array | undefined)[] = new Array(keys.length);
    await pool(keys.length, READ_CONCURRENCY, async (i) => {
      out[i] = await this.read(layout, keys[i]!);
    });
    return out;
  }
}
