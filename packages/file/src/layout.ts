import { hash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where things live under the store's root directory:
 *
 * ```
 * <dir>/v1/<namespace dir>/
 *   marks          invalidation log, the source of fence tokens (see marks.ts)
 *   lock           the namespace lock file, present while a process holds it
 *   data/<aa>/<bb>/<key hash>   entry files, partitioned by the key hash (fan-out)
 *   tags/<tt>/<tag hash>/<key hash>   tag index: one empty marker file per tagged entry
 *   tmp/           temporary files of writes in progress (renamed into data/)
 *   trash/         directories moved away by clear(), removed by the cleaner
 * ```
 */

export const FORMAT_DIR = 'v1';

/** 128-bit hex digest (32 chars) of a key or tag. */
export function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32);
}

/** Directory name of a namespace: a readable prefix plus a hash, safe on any file system. */
export function namespaceDirName(namespace: string): string {
  const readable = namespace.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${readable}-${digest(namespace).slice(0, 16)}`;
}

/** Number of hex characters naming a directory of each fan-out level. */
function hexWidth(fanOut: number): number {
  return fanOut === 16 ? 1 : fanOut === 256 ? 2 : 3;
}

/** The paths of one namespace. */
export class NamespaceLayout {
  readonly root: string;
  readonly marks: string;
  readonly lock: string;
  readonly data: string;
  readonly tags: string;
  readonly tmp: string;
  readonly trash: string;
  readonly #widths: readonly number[];

  constructor(root: string, fanOut: readonly number[]) {
    this.root = root;
    this.marks = join(root, 'marks');
    this.lock = join(root, 'lock');
    this.data = join(root, 'data');
    this.tags = join(root, 'tags');
    this.tmp = join(root, 'tmp');
    this.trash = join(root, 'trash');
    this.#widths = fanOut.map(hexWidth);
  }

  /** The layout of a namespace under the store's root directory. */
  static of(dir: string, namespace: string, fanOut: readonly number[]): NamespaceLayout {
    return new NamespaceLayout(join(dir, FORMAT_DIR, namespaceDirName(namespace)), fanOut);
  }

  /** Directory holding the entry file of a key hash. */
  partition(keyHash: string): string {
    const parts = [this.data];
    let offset = 0;
    for (const width of this.#widths) {
      parts.push(keyHash.slice(offset, offset + width));
      offset += width;
    }
    return join(...parts);
  }

  /** Entry file of a key hash. */
  entry(keyHash: string): string {
    return join(this.partition(keyHash), keyHash);
  }

  /** Directory of a tag's markers. */
  tagDir(tagHash: string): string {
    return join(this.tags, tagHash.slice(0, 2), tagHash);
  }
}
