import { CacheStackError, type Codec, type CodecOutput, CorruptEntryError } from '@cachestack/core';
import {
  type Algorithm,
  type AlgorithmName,
  algorithmOfId,
  codecIds,
  nameOfId,
} from './algorithms.js';
import { decide } from './auto.js';
import {
  CompressionError,
  CompressionUnavailableError,
  DecompressionLimitError,
} from './errors.js';
import {
  type CompressionOptions,
  type ResolvedChoice,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { type CompressionPath, type CompressionStats, StatsRecorder } from './stats.js';
import { compressStreaming, decompressStreaming } from './streaming.js';

/** A compression {@link Codec} for core's L2 pipeline, with figures. */
export interface CompressionCodec extends Codec {
  /** The configured algorithm, or `auto`. */
  readonly name: AlgorithmName | 'auto';
  /** Ids this codec decodes: all of 1 gzip, 2 deflate, 3 brotli, 4 zstd, whatever it writes. */
  readonly ids: readonly number[];
  /** The level new values are written with (`undefined` for `auto`). */
  readonly level: number | undefined;
  /**
   * Compresses `data`, or returns `{ id: 0, data }` with the same buffer when it is below
   * `thresholdBytes` or compression would not save `minSavingsRatio`. Synchronous below
   * `syncBelowBytes`, a promise otherwise.
   * @throws CompressionError when zlib fails.
   */
  encode(data: Uint8Array): CodecOutput | Promise<CodecOutput>;
  /**
   * Decompresses bytes written with codec `id` (0 returns `data` itself).
   * @throws DecompressionLimitError beyond `maxDecompressedBytes` (a `CorruptEntryError`).
   * @throws CorruptEntryError for damaged input or an unknown id.
   * @throws CompressionUnavailableError for zstd data on a Node.js without zstd.
   */
  decode(id: number, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** A snapshot of the figures since creation or the last {@link resetStats}. */
  stats(): CompressionStats;
  /** Zeroes the figures. */
  resetStats(): void;
}

const ALL_IDS: readonly number[] = Object.freeze(Object.values(codecIds));

/**
 * Most output a synchronous decompression may produce (about 0.5 ms of brotli or
 * gunzip work on the bench machine); beyond it the value is decompressed asynchronously.
 */
export const SYNC_MAX_OUTPUT_BYTES = 256 * 1024;

/** zlib's error when output would pass `maxOutputLength`. */
function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

class CompressionCodecImpl implements CompressionCodec {
  readonly name: AlgorithmName | 'auto';
  readonly ids = ALL_IDS;
  readonly level: number | undefined;
  readonly #o: ResolvedOptions;
  readonly #stats: StatsRecorder;

  constructor(options: ResolvedOptions) {
    this.#o = options;
    this.name = options.mode;
    this.level = options.fixed?.level;
    this.#stats = new StatsRecorder(options.mode);
  }

  encode(data: Uint8Array): CodecOutput | Promise<CodecOutput> {
    const size = data.byteLength;
    const o = this.#o;
    if (size < o.thresholdBytes) {
      this.#stats.skipped('threshold', size);
      return { id: 0, data };
    }
    let choice = o.fixed;
    if (!choice) {
      const decision = decide(data, o);
      if (decision.kind === 'none') {
        this.#stats.skipped('sample', size);
        return { id: 0, data };
      }
      choice = decision.choice;
    }
    const { algorithm, level } = choice;
    const start = o.now();
    if (size < o.syncBelowBytes) {
      let out: Buffer;
      try {
        out = algorithm.compressSync(data, level);
      } catch (error) {
        throw new CompressionError(algorithm.name, { cause: error });
      }
      return this.#keepOrSkip(data, out, choice, start, 'sync');
    }
    const path: CompressionPath = size >= o.streamAboveBytes ? 'stream' : 'async';
    const pending =
      path === 'stream'
        ? compressStreaming(algorithm, data, level)
        : algorithm.compress(data, level);
    return pending.then(
      (out) => this.#keepOrSkip(data, out, choice, start, path),
      (error: unknown) => {
        throw new CompressionError(algorithm.name, { cause: error });
      },
    );
  }

  #keepOrSkip(
    data: Uint8Array,
    out: Buffer,
    choice: ResolvedChoice,
    start: number,
    path: CompressionPath,
  ): CodecOutput {
    const size = data.byteLength;
    const saved = size - out.byteLength;
    const kept = saved > 0 && saved >= size * this.#o.minSavingsRatio;
    const { algorithm, level } = choice;
    this.#stats.encoded(
      algorithm.name,
      level,
      size,
      out.byteLength,
      this.#o.now() - start,
      path,
      kept,
    );
    if (!kept) {
      this.#stats.skipped('worthiness', size);
      return { id: 0, data };
    }
    return { id: algorithm.id, data: out };
  }

  decode(id: number, data: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (id === 0) return data;
    const algorithm = algorithmOfId(id);
    if (!algorithm) {
      const name = nameOfId(id);
      const error = name
        ? new CompressionUnavailableError(name)
        : new CorruptEntryError(`codec id ${id} is not a @cachestack/compression id`);
      this.#stats.failed(name, id, data.byteLength, error);
      throw error;
    }
    const o = this.#o;
    const size = data.byteLength;
    if (size === 0) {
      // Every algorithm writes a header: empty input is damage, whatever zlib makes of it.
      throw this.#decodeFailure(algorithm, size, new Error('empty input'));
    }
    const start = o.now();
    if (size < o.syncBelowBytes) {
      // A small input can still expand a lot (a bomb, or very repetitive data): the sync
      // call stops at SYNC_MAX_OUTPUT_BYTES and anything larger is redone off-thread, so
      // the event loop is never blocked for more than that much output.
      const cap = Math.min(o.maxDecompressedBytes, SYNC_MAX_OUTPUT_BYTES);
      let out: Buffer | undefined;
      try {
        out = algorithm.decompressSync(data, cap);
      } catch (error) {
        if (!(cap < o.maxDecompressedBytes && isTooLarge(error))) {
          throw this.#decodeFailure(algorithm, size, error);
        }
      }
      if (out) return this.#decoded(algorithm, data, out, start, 'sync');
    }
    const path: CompressionPath = size >= o.streamAboveBytes ? 'stream' : 'async';
    const pending =
      path === 'stream'
        ? decompressStreaming(algorithm, data, o.maxDecompressedBytes)
        : algorithm.decompress(data, o.maxDecompressedBytes);
    return pending.then(
      (out) => this.#decoded(algorithm, data, out, start, path),
      (error: unknown) => {
        throw this.#decodeFailure(algorithm, size, error);
      },
    );
  }

  #decoded(
    algorithm: Algorithm,
    data: Uint8Array,
    out: Buffer,
    start: number,
    path: CompressionPath,
  ): Buffer {
    const problem = algorithm.verify?.(data, out);
    if (problem) throw this.#decodeFailure(algorithm, data.byteLength, new Error(problem));
    this.#stats.decoded(
      algorithm.name,
      data.byteLength,
      out.byteLength,
      this.#o.now() - start,
      path,
    );
    return out;
  }

  #decodeFailure(algorithm: Algorithm, size: number, cause: unknown): CacheStackError {
    let error: CacheStackError;
    if (cause instanceof CacheStackError) {
      error = cause;
    } else if (isTooLarge(cause)) {
      error = new DecompressionLimitError(algorithm.name, this.#o.maxDecompressedBytes, { cause });
    } else {
      const reason = cause instanceof Error ? cause.message : String(cause);
      error = new CorruptEntryError(`${algorithm.name} data cannot be decompressed: ${reason}`, {
        cause,
      });
    }
    this.#stats.failed(algorithm.name, algorithm.id, size, error);
    return error;
  }

  stats(): CompressionStats {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }
}

/**
 * Creates a compression codec for core's L2 pipeline (`createCache({ codec })`, or
 * `encodeFrame`/`decodeFrame` directly).
 *
 * ```ts
 * const codec = compression({ algorithm: 'brotli', level: 4, thresholdBytes: '1kb' });
 * ```
 *
 * @throws InvalidOptionError for invalid options.
 * @throws CompressionUnavailableError when `algorithm` (or an `auto` choice) is `zstd`
 *   and the running Node.js has no zstd (see {@link availableAlgorithms}).
 */
export function compression(options?: CompressionOptions): CompressionCodec {
  return new CompressionCodecImpl(resolveOptions(options));
}
