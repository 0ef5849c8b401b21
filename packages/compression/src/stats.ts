import { channel } from 'node:diagnostics_channel';
import { type AlgorithmName, algorithmNames } from './algorithms.js';

/** How a value went through zlib: sync call, async call (thread pool) or a zlib stream. */
export type CompressionPath = 'sync' | 'async' | 'stream';

/** Why a value was stored as is. */
export type SkipReason = 'threshold' | 'worthiness' | 'sample';

/** Figures of one algorithm. Every compression run counts, kept or not. */
export interface AlgorithmStats {
  /** Compressions run (including those discarded by the worthiness check). */
  readonly encodes: number;
  /** Bytes given to those compressions. */
  readonly encodeBytesIn: number;
  /** Bytes they produced. */
  readonly encodeBytesOut: number;
  /** `encodeBytesOut / encodeBytesIn` (0 before the first compression); lower is better. */
  readonly ratio: number;
  /** Wall time spent compressing, in milliseconds (sync, async and stream alike). */
  readonly encodeMs: number;
  /** Successful decompressions. */
  readonly decodes: number;
  /** Compressed bytes decompressed. */
  readonly decodeBytesIn: number;
  /** Bytes those decompressions produced. */
  readonly decodeBytesOut: number;
  /** Wall time spent decompressing, in milliseconds. */
  readonly decodeMs: number;
  /** Decompressions that failed (corrupt input, limit, unavailable). */
  readonly decodeErrors: number;
}

/** A snapshot returned by `codec.stats()`. */
export interface CompressionStats {
  /** Values given to `encode`. */
  readonly values: number;
  /** Bytes given to `encode`. */
  readonly bytesIn: number;
  /** Bytes `encode` returned (compressed or as is). */
  readonly bytesOut: number;
  /** `bytesOut / bytesIn` over everything stored (0 before the first value); lower is better. */
  readonly ratio: number;
  /** Values stored compressed. */
  readonly compressed: number;
  /** Values stored as is because they were smaller than `thresholdBytes`. */
  readonly skippedThreshold: number;
  /** Values stored as is because compressing them saved less than `minSavingsRatio`. */
  readonly skippedWorthiness: number;
  /** Values `auto` stored as is because a sample did not compress (no full compression run). */
  readonly skippedSample: number;
  /** Per-algorithm figures. */
  readonly algorithms: Readonly<Record<AlgorithmName, AlgorithmStats>>;
}

/**
 * `node:diagnostics_channel` channels of this package (for `@cachestack/metrics`).
 * Messages are built and published only when a channel has subscribers.
 */
export const compressionChannels = {
  /** {@link EncodeMessage} per compression run. */
  encode: channel('cachestack:compression:encode'),
  /** {@link DecodeMessage} per successful decompression. */
  decode: channel('cachestack:compression:decode'),
  /** {@link SkipMessage} per value stored as is. */
  skip: channel('cachestack:compression:skip'),
  /** {@link ErrorMessage} per failed decompression. */
  error: channel('cachestack:compression:error'),
} as const;

/** Published on `cachestack:compression:encode`. */
export interface EncodeMessage {
  readonly codec: string;
  readonly algorithm: AlgorithmName;
  readonly level: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly path: CompressionPath;
  /** Whether the compressed bytes were kept (false: the worthiness check stored the original). */
  readonly kept: boolean;
}

/** Published on `cachestack:compression:decode`. */
export interface DecodeMessage {
  readonly codec: string;
  readonly algorithm: AlgorithmName;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly path: CompressionPath;
}

/** Published on `cachestack:compression:skip`. */
export interface SkipMessage {
  readonly codec: string;
  readonly reason: SkipReason;
  readonly bytes: number;
}

/** Published on `cachestack:compression:error`. */
export interface ErrorMessage {
  readonly codec: string;
  readonly id: number;
  readonly bytesIn: number;
  readonly error: Error;
}

interface MutableAlgorithmStats {
  encodes: number;
  encodeBytesIn: number;
  encodeBytesOut: number;
  encodeMs: number;
  decodes: number;
  decodeBytesIn: number;
  decodeBytesOut: number;
  decodeMs: number;
  decodeErrors: number;
}

const blank = (): MutableAlgorithmStats => ({
  encodes: 0,
  encodeBytesIn: 0,
  encodeBytesOut: 0,
  encodeMs: 0,
  decodes: 0,
  decodeBytesIn: 0,
  decodeBytesOut: 0,
  decodeMs: 0,
  decodeErrors: 0,
});

/** Counters behind `codec.stats()`; plain number fields so the hot path only adds. */
export class StatsRecorder {
  values = 0;
  bytesIn = 0;
  bytesOut = 0;
  compressed = 0;
  skippedThreshold = 0;
  skippedWorthiness = 0;
  skippedSample = 0;
  readonly perAlgorithm: Record<AlgorithmName, MutableAlgorithmStats> = {
    gzip: blank(),
    deflate: blank(),
    brotli: blank(),
    zstd: blank(),
  };

  constructor(readonly codec: string) {}

  /** A value left as is (`bytes` in and out). */
  skipped(reason: SkipReason, bytes: number): void {
    this.values++;
    this.bytesIn += bytes;
    this.bytesOut += bytes;
    if (reason === 'threshold') this.skippedThreshold++;
    else if (reason === 'worthiness') this.skippedWorthiness++;
    else this.skippedSample++;
    if (compressionChannels.skip.hasSubscribers) {
      compressionChannels.skip.publish({ codec: this.codec, reason, bytes } satisfies SkipMessage);
    }
  }

  /** A compression run; `kept` false when the worthiness check discarded it. */
  encoded(
    algorithm: AlgorithmName,
    level: number,
    bytesIn: number,
    bytesOut: number,
    durationMs: number,
    path: CompressionPath,
    kept: boolean,
  ): void {
    const s = this.perAlgorithm[algorithm];
    s.encodes++;
    s.encodeBytesIn += bytesIn;
    s.encodeBytesOut += bytesOut;
    s.encodeMs += durationMs;
    if (kept) {
      this.values++;
      this.compressed++;
      this.bytesIn += bytesIn;
      this.bytesOut += bytesOut;
    }
    if (compressionChannels.encode.hasSubscribers) {
      compressionChannels.encode.publish({
        codec: this.codec,
        algorithm,
        level,
        bytesIn,
        bytesOut,
        durationMs,
        path,
        kept,
      } satisfies EncodeMessage);
    }
  }

  /** A successful decompression. */
  decoded(
    algorithm: AlgorithmName,
    bytesIn: number,
    bytesOut: number,
    durationMs: number,
    path: CompressionPath,
  ): void {
    const s = this.perAlgorithm[algorithm];
    s.decodes++;
    s.decodeBytesIn += bytesIn;
    s.decodeBytesOut += bytesOut;
    s.decodeMs += durationMs;
    if (compressionChannels.decode.hasSubscribers) {
      compressionChannels.decode.publish({
        codec: this.codec,
        algorithm,
        bytesIn,
        bytesOut,
        durationMs,
        path,
      } satisfies DecodeMessage);
    }
  }

  /** A failed decompression of codec `id`. */
  failed(algorithm: AlgorithmName | undefined, id: number, bytesIn: number, error: Error): void {
    if (algorithm) this.perAlgorithm[algorithm].decodeErrors++;
    if (compressionChannels.error.hasSubscribers) {
      compressionChannels.error.publish({
        codec: this.codec,
        id,
        bytesIn,
        error,
      } satisfies ErrorMessage);
    }
  }

  /** An immutable snapshot. */
  snapshot(): CompressionStats {
    const algorithms = {} as Record<AlgorithmName, AlgorithmStats>;
    for (const name of algorithmNames) {
      const s = this.perAlgorithm[name];
      algorithms[name] = {
        ...s,
        ratio: s.encodeBytesIn === 0 ? 0 : s.encodeBytesOut / s.encodeBytesIn,
      };
    }
    return {
      values: this.values,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ratio: this.bytesIn === 0 ? 0 : this.bytesOut / this.bytesIn,
      compressed: this.compressed,
      skippedThreshold: this.skippedThreshold,
      skippedWorthiness: this.skippedWorthiness,
      skippedSample: this.skippedSample,
      algorithms,
    };
  }

  /** Zeroes every counter. */
  reset(): void {
    this.values = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.compressed = 0;
    this.skippedThreshold = 0;
    this.skippedWorthiness = 0;
    this.skippedSample = 0;
    for (const name of algorithmNames) this.perAlgorithm[name] = blank();
  }
}
