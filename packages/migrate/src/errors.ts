import { CacheStackError, type CacheStackErrorOptions } from '@cachestack/core';

/**
 * Errors of `@cachestack/migrate`. Each extends core's `CacheStackError` with a stable
 * `code` of the form `CACHESTACK_MIGRATE_<NAME>`.
 */

/** A mode source returned something other than one of the three modes. */
export class InvalidModeError extends CacheStackError {
  /** What the mode source returned. */
  readonly mode: unknown;

  constructor(mode: unknown, options?: CacheStackErrorOptions) {
    super(
      'CACHESTACK_MIGRATE_INVALID_MODE',
      `mode must be 'dual-write', 'read-new-fallback-legacy' or 'new-only', got ${JSON.stringify(mode) ?? String(mode)}`,
      options,
    );
    this.mode = mode;
  }
}

/** A pattern map is malformed (placeholders that differ between its two sides, ...). */
export class InvalidPatternError extends CacheStackError {
  /** The offending pattern. */
  readonly pattern: string;

  constructor(pattern: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_MIGRATE_INVALID_PATTERN', `pattern "${pattern}": ${message}`, options);
    this.pattern = pattern;
  }
}

/** A command on the legacy Redis failed (connection, timeout, wrong type of key). */
export class LegacyStoreError extends CacheStackError {
  /** The legacy key involved, when there is one. */
  readonly legacyKey: string | undefined;

  constructor(message: string, legacyKey?: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_MIGRATE_LEGACY_STORE', message, options);
    this.legacyKey = legacyKey;
  }
}

/** A legacy value could not be decoded or transformed; the key is reported and skipped. */
export class TransformError extends CacheStackError {
  /** The legacy key whose value failed. */
  readonly legacyKey: string;

  constructor(legacyKey: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_MIGRATE_TRANSFORM', `${legacyKey}: ${message}`, options);
    this.legacyKey = legacyKey;
  }
}

/** The state file cannot be read, or belongs to a migration with other settings. */
export class StateError extends CacheStackError {
  /** Path of the state file, when it is a file. */
  readonly path: string | undefined;

  constructor(message: string, path?: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_MIGRATE_STATE', message, options);
    this.path = path;
  }
}

/** The CLI was called with invalid arguments. */
export class UsageError extends CacheStackError {
  constructor(message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_MIGRATE_USAGE', message, options);
  }
}
