import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CorruptFileError } from './entry-file.js';
import { isErrno, readHead, unlinkIfExists } from './entry-io.js';
import type { NamespaceLayout } from './layout.js';
import type { MarksLog } from './marks.js';

/**
 * The namespace-wide operations, each run alone in a lock hold by `NamespaceState`:
 * tag invalidation, clear, and pruning of stale tag markers.
 */

/** A hashed key or tag. */
export interface Hashed {
  readonly text: string;
  readonly hash: string;
}

/** What the operations need (all under the namespace lock). */
export interface AdminContext {
  readonly layout: NamespaceLayout;
  readonly marks: MarksLog;
  readonly now: () => number;
  readonly onCorrupt: (path: string, reason: string) => void;
}

/** Whether the entry file at `path` is intact, unexpired and accepted by `accept`. */
export async function isLiveEntry(
  ctx: AdminContext,
  path: string,
  now: number,
  accept: (head: { key: string; tags: readonly string[] }) => boolean,
): Promise<boolean> {
  try {
    const head = await readHead(path);
    return head !== undefined && head.expiresAt > now && accept(head);
  } catch (error) {
    if (error instanceof CorruptFileError) {
      ctx.onCorrupt(path, error.reason);
      return false;
    }
    throw error;
  }
}

/** Invalidates tags and deletes the entries still carrying them; resolves how many were live. */
export async function deleteTagged(
  ctx: AdminContext,
  tags: readonly Hashed[],
  dirs: Set<string>,
): Promise<number> {
  for (const t of tags) ctx.marks.stage('T', t.hash);
  await ctx.marks.flush();
  const now = ctx.now();
  const names = new Set(tags.map((t) => t.text));
  const candidates = new Set<string>();
  const markerDirs: string[] = [];
  for (const t of tags) {
    const dir = ctx.layout.tagDir(t.hash);
    markerDirs.push(dir);
    const files = await fs.readdir(dir).catch((error: unknown) => {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [] as string[];
      throw error;
    });
    for (const f of files) candidates.add(f);
  }
  let count = 0;
  for (const keyHash of candidates) {
    const path = ctx.layout.entry(keyHash);
    let tagged = false;
    const live = await isLiveEntry(ctx, path, now, (head) => {
      tagged = head.tags.some((t) => names.has(t));
      return tagged;
    });
    // An entry still carrying the tag, or expired, or corrupt, goes; one rewritten
    // without the tag stays (its marker was stale).
    if (tagged || !live) {
      if ((await unlinkIfExists(path)) && live) count++;
      dirs.add(ctx.layout.partition(keyHash));
    }
  }
  for (const dir of markerDirs) {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return count;
}

/**
 * Clears a namespace: its data and tag directories are moved to `trash/` (removed by the
 * cleaner) and the invalidation log is replaced, which fences every older token.
 */
export async function clearNamespace(ctx: AdminContext, dirs: Set<string>): Promise<void> {
  const { layout } = ctx;
  await fs.mkdir(layout.trash, { recursive: true });
  const id = randomBytes(6).toString('hex');
  for (const dir of [layout.data, layout.tags]) {
    try {
      await fs.rename(dir, join(layout.trash, `${id}-${dir === layout.data ? 'data' : 'tags'}`));
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  await ctx.marks.replace();
  dirs.add(layout.root);
}

/** Removes tag markers whose entry file is gone (checked under the lock). */
export async function pruneMarkers(ctx: AdminContext, markers: readonly string[]): Promise<number> {
  let pruned = 0;
  for (const marker of markers) {
    const keyHash = marker.slice(marker.length - 32);
    try {
      await fs.stat(ctx.layout.entry(keyHash));
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      if (await unlinkIfExists(marker)) pruned++;
    }
  }
  return pruned;
}
