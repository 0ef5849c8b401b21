/**
 * Typed errors. Every error cachestack throws extends {@link CacheStackError} and has a
 * stable `code` of the form `CACHESTACK_<NAME>`; the original failure, when there is
 * one, is kept in `cause`.
 */

/** Options accepted by every cachestack error constructor. */
export interface CacheStackErrorOptions {
  /** The underlying failure. */
  cause?: unknown;
}

/** Base class of every error thrown by cachestack packages. */
export class CacheStackError extends Error {
  /** Stable machine-readable code, `CACHESTACK_<NAME>`. */
  readonly code: string;

  constructor(code: string, message: string, options?: CacheStackErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A key is not a string, is empty, is too long or contains characters the schema forbids. */
export class InvalidKeyError extends CacheStackError {
  constructor(message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_INVALID_KEY', message, options);
  }
}

/** An option (constructor or per-call) has a wrong type or is out of range. */
export class InvalidOptionError extends CacheStackError {
  /** Name of the offending option, e.g. `ttl`. */
  readonly option: string;

  constructor(option: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_INVALID_OPTION', `${option}: ${message}`, options);
    this.option = option;
  }
}

/** A value cannot be serialized (function, symbol, circular reference, ...). */
export class SerializationError extends CacheStackError {
  constructor(message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_SERIALIZATION', message, options);
  }
}

/** Stored bytes failed their checksum or could not be decoded. Read paths turn it into a miss. */
export class CorruptEntryError extends CacheStackError {
  constructor(message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_CORRUPT_ENTRY', message, options);
  }
}

/** An operation did not finish within its deadline. */
export class TimeoutError extends CacheStackError {
  /** The deadline that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: CacheStackErrorOptions) {
    super('CACHESTACK_TIMEOUT', message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The L2 circuit breaker is open: the call was not attempted. */
export class CircuitOpenError extends CacheStackError {
  constructor(message = 'circuit breaker is open', options?: CacheStackErrorOptions) {
    super('CACHESTACK_CIRCUIT_OPEN', message, options);
  }
}

/** A remote store call failed (connection lost, command error, ...). */
export class StoreError extends CacheStackError {
  /** `code` lets a store's subclasses keep a code of their own, e.g. `CACHESTACK_FILE_LOCK_TIMEOUT`. */
  constructor(message: string, options?: CacheStackErrorOptions & { code?: string }) {
    super(options?.code ?? 'CACHESTACK_STORE', message, options);
  }
}

/** The loader passed to `getOrSet` failed and no stale value was available. */
export class LoaderError extends CacheStackError {
  /** The key whose loader failed. */
  readonly key: string;

  constructor(key: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_LOADER_FAILED', `loader for key "${key}" failed`, options);
    this.key = key;
  }
}

/** The component was closed; no further operations are accepted. */
export class ClosedError extends CacheStackError {
  constructor(what = 'cache', options?: CacheStackErrorOptions) {
    super('CACHESTACK_CLOSED', `${what} is closed`, options);
  }
}

/** Type guard for cachestack errors, optionally of one code. */
export function isCacheStackError(error: unknown, code?: string): error is CacheStackError {
  return error instanceof CacheStackError && (code === undefined || error.code === code);
}
