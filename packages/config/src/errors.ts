import { CacheStackError, type CacheStackErrorOptions } from '@cachestack/core';
import type { ConfigIssue, ConfigWarning } from './types.js';

/** Formats issues as an indented plain-words list. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}

/** A configuration was rejected; `errors` lists every problem found. Code `CACHESTACK_CONFIG_INVALID`. */
export class ConfigValidationError extends CacheStackError {
  /** Every problem found, with its JSON Pointer and offending value. */
  readonly errors: readonly ConfigIssue[];
  /** Warnings produced before the configuration was rejected. */
  readonly warnings: readonly ConfigWarning[];

  constructor(
    errors: readonly ConfigIssue[],
    warnings: readonly ConfigWarning[] = [],
    options?: CacheStackErrorOptions & { source?: string },
  ) {
    const where = options?.source ? ` (${options.source})` : '';
    super(
      'CACHESTACK_CONFIG_INVALID',
      `invalid cachestack configuration${where}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n${formatIssues(errors)}`,
      options,
    );
    this.errors = errors;
    this.warnings = warnings;
  }
}

/** A configuration file could not be read (missing, unreadable). Code `CACHESTACK_CONFIG_FILE`. */
export class ConfigFileError extends CacheStackError {
  /** The file concerned. */
  readonly file: string;

  constructor(file: string, message: string, options?: CacheStackErrorOptions) {
    super('CACHESTACK_CONFIG_FILE', `${file}: ${message}`, options);
    this.file = file;
  }
}
