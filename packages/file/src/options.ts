import {
  type ByteSize,
  InvalidOptionError,
  type Logger,
  noopLogger,
  toBytes,
} from '@cachestack/core';

/** How much the store asks the file system to persist before a write resolves. */
export type Durability = 'full' | 'data' | 'none';

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** Root directory of the store; created when missing. Several processes may share it. */
  readonly dir: string;
  /**
   * Directory fan-out: one entry per directory level below each namespace, each the
   * number of sub-directories of that level (16, 256 or 4096). Entry files are placed by
   * a hash of their key, so no directory grows unbounded.
   * @defaultValue [256, 256]
   */
  readonly fanOut?: readonly number[];
  /**
   * Byte budget of all entry files (sizes as reported by `stat`). The cleaner evicts the
   * least recently used files when the total exceeds it. Numbers are bytes; strings like
   * `'512mb'` are accepted.
   * @defaultValue '1gb'
   */
  readonly maxBytes?: ByteSize;
  /**
   * Fraction of `maxBytes` the eviction brings the total down to.
   * @defaultValue 0.9
   */
  readonly evictToRatio?: number;
  /**
   * `'full'`: file data is fsynced before the rename that publishes it, and the directory
   * after renames and unlinks, so a write or delete that resolved survives power loss.
   * `'data'`: file data only (a power loss may undo the latest writes and deletes, never
   * tear a file). `'none'`: no fsync (process crashes are still safe: the page cache
   * survives them; a power loss can leave damaged files, which the checksum turns into
   * misses).
   * @defaultValue 'full'
   */
  readonly durability?: Durability;
  /**
   * Interval of the background cleaner (expired, corrupt and over-budget files, leftovers
   * of crashed writers), in ms; `0` disables the timer (call `sweep()` yourself).
   * @defaultValue 30000
   */
  readonly sweepIntervalMs?: number;
  /**
   * A read refreshes the file's mtime (the LRU clock shared by every process) when it is
   * older than this, in ms. Lower is more precise LRU, higher is fewer metadata writes.
   * @defaultValue 60000
   */
  readonly touchIntervalMs?: number;
  /**
   * How long a write waits for the namespace lock held by another process, in ms.
   * @defaultValue 5000
   */
  readonly lockTimeoutMs?: number;
  /**
   * A lock whose holder did not refresh it for this long is considered abandoned and
   * broken, in ms (a lock of a dead process on this host is broken at once).
   * @defaultValue 10000
   */
  readonly lockStaleMs?: number;
  /**
   * Size of a namespace's invalidation log beyond which it is compacted (compaction fences
   * the conditional writes in flight at that moment once), in bytes.
   * @defaultValue 4mb
   */
  readonly marksMaxBytes?: ByteSize;
  /**
   * Consecutive file-system failures (ENOSPC, EMFILE, EACCES, EIO, lock timeouts, ...)
   * that open the circuit breaker. Reads and writes have separate breakers, so a full
   * disk stops writes but keeps reads working.
   * @defaultValue 5
   */
  readonly failureThreshold?: number;
  /**
   * How long an open circuit refuses calls before one probe call is let through, in ms.
   * @defaultValue 5000
   */
  readonly breakDurationMs?: number;
  /**
   * Temporary files older than this (left behind by crashed writers) are removed by the
   * cleaner, in ms.
   * @defaultValue 600000
   */
  readonly tmpMaxAgeMs?: number;
  /** Clock, epoch ms: TTLs and LRU times use it. @defaultValue Date.now */
  readonly now?: () => number;
  /** A pino-shaped logger. @defaultValue a no-op logger */
  readonly logger?: Logger;
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  readonly dir: string;
  readonly fanOut: readonly number[];
  readonly maxBytes: number;
  readonly evictToRatio: number;
  readonly durability: Durability;
  readonly sweepIntervalMs: number;
  readonly touchIntervalMs: number;
  readonly lockTimeoutMs: number;
  readonly lockStaleMs: number;
  readonly marksMaxBytes: number;
  readonly failureThreshold: number;
  readonly breakDurationMs: number;
  readonly tmpMaxAgeMs: number;
  readonly now: () => number;
  readonly clockInjected: boolean;
  readonly logger: Logger;
}

const FAN_OUTS = new Set([16, 256, 4096]);

function int(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, `must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Validates options once and applies defaults. */
export function resolveOptions(options: FileStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object with at least `dir`');
  }
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new InvalidOptionError('dir', 'must be a non-empty path');
  }
  const fanOut = options.fanOut ?? [256, 256];
  if (!Array.isArray(fanOut) || fanOut.length > 4 || fanOut.some((n) => !FAN_OUTS.has(n))) {
    throw new InvalidOptionError('fanOut', 'must be at most 4 levels, each 16, 256 or 4096');
  }
  const evictToRatio = options.evictToRatio ?? 0.9;
  if (typeof evictToRatio !== 'number' || !(evictToRatio > 0 && evictToRatio <= 1)) {
    throw new InvalidOptionError('evictToRatio', 'must be a number in (0, 1]');
  }
  const durability = options.durability ?? 'full';
  if (durability !== 'full' && durability !== 'data' && durability !== 'none') {
    throw new InvalidOptionError('durability', "must be 'full', 'data' or 'none'");
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new InvalidOptionError('now', 'must be a function returning epoch ms');
  }
  const maxBytes = toBytes('maxBytes', options.maxBytes ?? '1gb');
  if (maxBytes < 1) throw new InvalidOptionError('maxBytes', 'must be at least 1 byte');
  const marksMaxBytes = toBytes('marksMaxBytes', options.marksMaxBytes ?? '4mb');
  if (marksMaxBytes < 1024) throw new InvalidOptionError('marksMaxBytes', 'must be >= 1kb');
  return {
    dir: options.dir,
    fanOut,
    maxBytes,
    evictToRatio,
    durability,
    sweepIntervalMs: int('sweepIntervalMs', options.sweepIntervalMs, 30_000, 0),
    touchIntervalMs: int('touchIntervalMs', options.touchIntervalMs, 60_000, 0),
    lockTimeoutMs: int('lockTimeoutMs', options.lockTimeoutMs, 5_000, 1),
    lockStaleMs: int('lockStaleMs', options.lockStaleMs, 10_000, 100),
    marksMaxBytes,
    failureThreshold: int('failureThreshold', options.failureThreshold, 5, 1),
    breakDurationMs: int('breakDurationMs', options.breakDurationMs, 5_000, 1),
    tmpMaxAgeMs: int('tmpMaxAgeMs', options.tmpMaxAgeMs, 600_000, 1_000),
    now: options.now ?? Date.now,
    clockInjected: options.now !== undefined,
    logger: options.logger ?? noopLogger,
  };
}
