import { type ByteSize, InvalidOptionError, toBytes } from '@cachestack/core';
import { type Algorithm, type AlgorithmName, algorithmNames, algorithmOf } from './algorithms.js';
import { CompressionUnavailableError } from './errors.js';

/** An algorithm and its level, e.g. `{ algorithm: 'brotli', level: 5 }`. */
export interface AlgorithmChoice {
  readonly algorithm: AlgorithmName;
  /** Level (gzip/deflate 0-9, brotli 0-11, zstd 1-22); the algorithm's default when omitted. */
  readonly level?: number;
}

/** Options of {@link compression}. Sizes accept bytes or strings like `'64kb'`. */
export interface CompressionOptions {
  /**
   * The algorithm new values are written with, or `'auto'` (chosen per value by size and a
   * sample, see the README). Values written with any algorithm are always readable.
   * `'zstd'` throws a `CompressionUnavailableError` on a Node.js without it.
   * @defaultValue `'brotli'` (level 4: gzip-6 ratios or better at equal or higher speed, see README)
   */
  readonly algorithm?: AlgorithmName | 'auto';
  /**
   * Compression level of `algorithm` (ignored by `'auto'`, see `autoFast`/`autoStrong`).
   * @defaultValue gzip 6, deflate 6, brotli 4, zstd 3
   */
  readonly level?: number;
  /**
   * Values smaller than this are stored as is, without a copy and without a zlib call.
   * @defaultValue `1024`
   */
  readonly thresholdBytes?: ByteSize;
  /**
   * Keep the compressed bytes only when they save at least this fraction of the value
   * (`1 - compressed / original`); otherwise store the original. `0` keeps any saving.
   * @defaultValue `0.1`
   */
  readonly minSavingsRatio?: number;
  /**
   * Values (compressed values, when decoding) smaller than this use zlib's synchronous
   * API: below it a sync call is faster than the thread-pool round trip and blocks the
   * event loop for about as long as that round trip's fixed cost (measured, see README).
   * `0` makes every call asynchronous.
   * @defaultValue `16384`
   */
  readonly syncBelowBytes?: ByteSize;
  /**
   * Values (compressed values, when decoding) of at least this size go through zlib
   * streams in 64 KiB chunks, with the decompressed bytes counted as they arrive.
   * @defaultValue `1048576` (1 MiB)
   */
  readonly streamAboveBytes?: ByteSize;
  /**
   * Largest size a value may decompress to; beyond it decoding fails with a
   * `DecompressionLimitError` (zlib stops at the limit: a bomb never expands in memory).
   * @defaultValue `67108864` (64 MiB)
   */
  readonly maxDecompressedBytes?: ByteSize;
  /**
   * `'auto'`: the algorithm for values that compress moderately, or are large.
   * @defaultValue `{ algorithm: 'brotli', level: 1 }`
   */
  readonly autoFast?: AlgorithmChoice;
  /**
   * `'auto'`: the algorithm for values whose sample compresses well and that are at most
   * `autoStrongMaxBytes`.
   * @defaultValue `{ algorithm: 'brotli', level: 5 }`
   */
  readonly autoStrong?: AlgorithmChoice;
  /**
   * `'auto'`: a sample saving at least this fraction selects `autoStrong`.
   * @defaultValue `0.5`
   */
  readonly autoStrongMinSavingsRatio?: number;
  /**
   * `'auto'`: values above this use `autoFast` whatever the sample says (bounds CPU time).
   * @defaultValue `1048576` (1 MiB)
   */
  readonly autoStrongMaxBytes?: ByteSize;
  /**
   * `'auto'`: bytes sampled (three stripes: start, middle, end) to predict compressibility.
   * Values up to twice this size are judged by compressing them outright.
   * @defaultValue `3072`
   */
  readonly autoSampleBytes?: ByteSize;
  /**
   * Clock for the time figures in `stats()`, in milliseconds.
   * @defaultValue `performance.now`
   */
  readonly now?: () => number;
}

/** A validated algorithm with its level. */
export interface ResolvedChoice {
  readonly algorithm: Algorithm;
  readonly level: number;
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  readonly mode: AlgorithmName | 'auto';
  /** The fixed choice, or `undefined` in `auto` mode. */
  readonly fixed: ResolvedChoice | undefined;
  readonly thresholdBytes: number;
  readonly minSavingsRatio: number;
  readonly syncBelowBytes: number;
  readonly streamAboveBytes: number;
  readonly maxDecompressedBytes: number;
  readonly autoFast: ResolvedChoice;
  readonly autoStrong: ResolvedChoice;
  readonly autoStrongMinSavingsRatio: number;
  readonly autoStrongMaxBytes: number;
  readonly autoSampleBytes: number;
  readonly now: () => number;
}

function ratioOption(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new InvalidOptionError(option, `expected a number in [0, 1), got ${String(value)}`);
  }
  return value;
}

function resolveChoice(option: string, name: unknown, level: unknown): ResolvedChoice {
  if (typeof name !== 'string' || !(algorithmNames as readonly string[]).includes(name)) {
    throw new InvalidOptionError(
      option,
      `expected one of ${algorithmNames.join(', ')}, got ${String(name)}`,
    );
  }
  const algorithm = algorithmOf(name as AlgorithmName);
  if (!algorithm) throw new CompressionUnavailableError(name);
  if (level === undefined) return { algorithm, level: algorithm.defaultLevel };
  if (
    typeof level !== 'number' ||
    !Number.isInteger(level) ||
    level < algorithm.minLevel ||
    level > algorithm.maxLevel
  ) {
    throw new InvalidOptionError(
      option === 'algorithm' ? 'level' : `${option}.level`,
      `${name} levels are integers ${algorithm.minLevel}-${algorithm.maxLevel}, got ${String(level)}`,
    );
  }
  return { algorithm, level };
}

/**
 * Validates options once and applies defaults.
 * @throws InvalidOptionError for a wrong type or range.
 * @throws CompressionUnavailableError for an algorithm this runtime lacks.
 */
export function resolveOptions(options: CompressionOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'expected an object');
  }
  const mode = options.algorithm ?? 'brotli';
  const fixed = mode === 'auto' ? undefined : resolveChoice('algorithm', mode, options.level);
  if (mode === 'auto' && options.level !== undefined) {
    throw new InvalidOptionError(
      'level',
      "has no meaning with algorithm 'auto' (use autoFast/autoStrong)",
    );
  }
  const fast = options.autoFast ?? { algorithm: 'brotli', level: 1 };
  const strong = options.autoStrong ?? { algorithm: 'brotli', level: 5 };
  const now = options.now ?? performance.now.bind(performance);
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'expected a function');
  return {
    mode,
    fixed,
    thresholdBytes: toBytes('thresholdBytes', options.thresholdBytes ?? 1024),
    minSavingsRatio: ratioOption('minSavingsRatio', options.minSavingsRatio, 0.1),
    syncBelowBytes: toBytes('syncBelowBytes', options.syncBelowBytes ?? 16_384),
    streamAboveBytes: toBytes('streamAboveBytes', options.streamAboveBytes ?? 1024 * 1024),
    maxDecompressedBytes: positive(
      'maxDecompressedBytes',
      toBytes('maxDecompressedBytes', options.maxDecompressedBytes ?? 64 * 1024 * 1024),
    ),
    // Only validated (and required to be available) when they can be used.
    autoFast:
      mode === 'auto' ? resolveChoice('autoFast', fast.algorithm, fast.level) : placeholder(),
    autoStrong:
      mode === 'auto' ? resolveChoice('autoStrong', strong.algorithm, strong.level) : placeholder(),
    autoStrongMinSavingsRatio: ratioOption(
      'autoStrongMinSavingsRatio',
      options.autoStrongMinSavingsRatio,
      0.5,
    ),
    autoStrongMaxBytes: toBytes('autoStrongMaxBytes', options.autoStrongMaxBytes ?? 1024 * 1024),
    autoSampleBytes: positive(
      'autoSampleBytes',
      toBytes('autoSampleBytes', options.autoSampleBytes ?? 3072),
    ),
    now,
  };
}

function positive(option: string, value: number): number {
  if (value <= 0) throw new InvalidOptionError(option, 'expected a size > 0');
  return value;
}

function placeholder(): ResolvedChoice {
  const gzip = algorithmOf('gzip')!;
  return { algorithm: gzip, level: gzip.defaultLevel };
}
