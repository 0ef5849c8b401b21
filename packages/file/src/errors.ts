import { type CacheStackErrorOptions, StoreError } from '@cachestack/core';

/** Options of {@link FileStoreError}. */
export interface FileStoreErrorOptions extends CacheStackErrorOptions {
  /** The file-system error code (`ENOSPC`, `EMFILE`, `EACCES`, ...), when there is one. */
  errno?: string | undefined;
  /** The store operation that failed, e.g. `set`. */
  operation?: string | undefined;
}

/**
 * A file-system operation of the file store failed. Extends core's `StoreError` (code
 * `CACHESTACK_STORE`), so callers and core's L2 tier treat it like any store failure;
 * `errno` tells what the file system answered.
 */
export class FileStoreError extends StoreError {
  /** The file-system error code, e.g. `ENOSPC`, or `undefined`. */
  readonly errno: string | undefined;
  /** The store operation that failed. */
  readonly operation: string | undefined;

  constructor(message: string, options: FileStoreErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.errno = options.errno;
    this.operation = options.operation;
  }
}

/**
 * The namespace lock could not be taken within `lockTimeoutMs` (another process holds it
 * and is alive). Counts as a file-system failure for the circuit breaker.
 */
export class FileLockTimeoutError extends FileStoreError {
  /** Path of the lock file. */
  readonly lockPath: string;
  /** How long the store waited, in milliseconds. */
  readonly waitedMs: number;

  constructor(lockPath: string, waitedMs: number) {
    super(`could not take the lock ${lockPath} within ${waitedMs} ms`, {
      errno: 'ELOCKTIMEOUT',
    });
    this.lockPath = lockPath;
    this.waitedMs = waitedMs;
  }
}

/** Errors that mean the file system is unusable right now (they trip the breaker). */
const ENVIRONMENT_ERRNOS = new Set([
  'ENOSPC',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'EBUSY',
  'ENOMEM',
  'ELOCKTIMEOUT',
]);

/** The `code` of a Node file-system error, or `undefined`. */
export function errnoOf(error: unknown): string | undefined {
  if (error instanceof FileStoreError) return error.errno;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether the error means the file system itself is failing (full, no fds, no rights). */
export function isEnvironmentError(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno !== undefined && ENVIRONMENT_ERRNOS.has(errno);
}

/** Wraps an unknown failure into a {@link FileStoreError} (typed errors pass through). */
export function toFileStoreError(operation: string, error: unknown): Error {
  if (error instanceof StoreError) return error;
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('CACHESTACK_')) {
    return error;
  }
  const errno = errnoOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return new FileStoreError(`file store ${operation} failed: ${message}`, {
    cause: error,
    errno,
    operation,
  });
}
