import type { RemoteEntry } from '@cachestack/core';
import { encodeEntry } from './entry-file.js';
import { unlinkIfExists, writeTempFile } from './entry-io.js';
import { digest, type NamespaceLayout } from './layout.js';
import type { PreparedEntry } from './namespace-state.js';
import type { Durability } from './options.js';
import { pool } from './pool.js';

/** Most temporary files a batch write has open at once. */
const WRITE_CONCURRENCY = 32;

/** Options of {@link prepareEntries}. */
export interface PrepareOptions {
  /** Time of the write, epoch ms (expiry is `now + ttlMs`). */
  readonly now: number;
  readonly durability: Durability;
  /** Whether the clock is injected: then the files' mtime is set to `now` (LRU tests). */
  readonly clockInjected: boolean;
}

/**
 * The first half of a write, outside the namespace lock: each entry is encoded and
 * written in full (and fsynced unless `durability` is `'none'`) to its own new temporary
 * file. On failure, the files already written are removed.
 */
export async function prepareEntries(
  layout: NamespaceLayout,
  entries: readonly RemoteEntry[],
  options: PrepareOptions,
): Promise<PreparedEntry[]> {
  const now = options.now;
  const sync = options.durability !== 'none';
  const prepared: PreparedEntry[] = new Array(entries.length);
  try {
    await pool(entries.length, WRITE_CONCURRENCY, async (i) => {
      const e = entries[i]!;
      const tmp = await writeTempFile({
        dir: layout.tmp,
        buffers: encodeEntry(e.key, e.tags, e.value, now + e.ttlMs),
        sync,
        mtimeMs: options.clockInjected ? now : undefined,
      });
      prepared[i] = {
        key: e.key,
        keyHash: digest(e.key),
        tagHashes: [...new Set(e.tags ?? [])].map(digest),
        tmp,
      };
    });
  } catch (error) {
    await Promise.all(prepared.map((p) => p && unlinkIfExists(p.tmp).catch(() => false)));
    throw error;
  }
  return prepared;
}
