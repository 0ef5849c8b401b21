import { CacheStackError, type CacheStackErrorOptions, CorruptEntryError } from '@cachestack/core';

/**
 * A compressed entry would decompress to more than `maxDecompressedBytes`
 * (a decompression bomb, or a value written by a more permissive configuration).
 *
 * It extends core's `CorruptEntryError` on purpose: core's frame decoder passes a
 * `CorruptEntryError` through unchanged and the read path turns it into a miss, deletes
 * the entry and reports it (`store:corrupt` event, `cachestack:core:corrupt` channel). An
 * entry this process refuses to expand can never be served, so deleting it is right;
 * the distinct `code` tells the two causes apart.
 */
export class DecompressionLimitError extends CorruptEntryError {
  /** Stable code: `CACHESTACK_DECOMPRESSION_LIMIT`. */
  override readonly code: string = 'CACHESTACK_DECOMPRESSION_LIMIT';
  /** The configured limit that was exceeded, in bytes. */
  readonly limitBytes: number;
  /** Algorithm of the entry (`gzip`, `deflate`, `brotli`, `zstd`). */
  readonly algorithm: string;

  constructor(algorithm: string, limitBytes: number, options?: CacheStackErrorOptions) {
    super(`${algorithm} entry decompresses to more than ${limitBytes} bytes`, options);
    this.algorithm = algorithm;
    this.limitBytes = limitBytes;
  }
}

/**
 * The algorithm is not available in this Node.js runtime (zstd needs Node 22.15+ or
 * 23.8+). Thrown by the factory when such an algorithm is requested explicitly, and by
 * `decode` for an entry written with it by a newer runtime.
 *
 * It is not a `CorruptEntryError`: the entry is intact and instances on a newer runtime
 * can read it, so it should not be deleted (see the README on mixed fleets).
 */
export class CompressionUnavailableError extends CacheStackError {
  /** The algorithm that is missing. */
  readonly algorithm: string;

  constructor(algorithm: string, options?: CacheStackErrorOptions) {
    super(
      'CACHESTACK_COMPRESSION_UNAVAILABLE',
      `${algorithm} is not available in Node.js ${process.version}` +
        (algorithm === 'zstd' ? ' (zstd needs Node 22.15+ or 23.8+)' : ''),
      options,
    );
    this.algorithm = algorithm;
  }
}

/** zlib failed to compress a value (out of memory, or a zlib bug); the write fails. */
export class CompressionError extends CacheStackError {
  /** The algorithm that failed. */
  readonly algorithm: string;

  constructor(algorithm: string, options?: CacheStackErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('CACHESTACK_COMPRESSION_FAILED', `${algorithm} compression failed${reason}`, options);
    this.algorithm = algorithm;
  }
}
