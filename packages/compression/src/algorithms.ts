import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';

/** A compression algorithm this package knows. `zstd` exists only on Node 22.15+/23.8+. */
export type AlgorithmName = 'gzip' | 'deflate' | 'brotli' | 'zstd';

/** Frame codec ids reserved for this package by core (`0` means stored as is). */
export const codecIds = { gzip: 1, deflate: 2, brotli: 3, zstd: 4 } as const satisfies Record<
  AlgorithmName,
  number
>;

/** Every algorithm name, in id order. */
export const algorithmNames: readonly AlgorithmName[] = ['gzip', 'deflate', 'brotli', 'zstd'];

type Done = (error: Error | null, result: Buffer) => void;
type ZlibOptions = Record<string, unknown>;
type AsyncFn = (data: Uint8Array, options: ZlibOptions, done: Done) => void;
type SyncFn = (data: Uint8Array, options: ZlibOptions) => Buffer;
type StreamFn = (options: ZlibOptions) => Transform;

/**
 * The zstd half of node:zlib (Node 22.15+/23.8+). Read through this shape because the
 * `@types/node` of the lowest supported Node (20) does not declare it.
 */
interface ZstdZlib {
  zstdCompress?: AsyncFn;
  zstdCompressSync?: SyncFn;
  zstdDecompress?: AsyncFn;
  zstdDecompressSync?: SyncFn;
  createZstdCompress?: StreamFn;
  createZstdDecompress?: StreamFn;
  constants: { ZSTD_c_compressionLevel?: number; ZSTD_c_checksumFlag?: number };
}

const z = zlib as unknown as ZstdZlib;

/** One algorithm's operations, levels and limits. */
export interface Algorithm {
  readonly name: AlgorithmName;
  readonly id: number;
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly defaultLevel: number;
  compressSync(data: Uint8Array, level: number): Buffer;
  compress(data: Uint8Array, level: number): Promise<Buffer>;
  /** Fails with a `RangeError` (`ERR_BUFFER_TOO_LARGE`) beyond `maxOutputLength`. */
  decompressSync(data: Uint8Array, maxOutputLength: number): Buffer;
  decompress(data: Uint8Array, maxOutputLength: number): Promise<Buffer>;
  compressStream(level: number, sizeHint: number): Transform;
  decompressStream(): Transform;
  /**
   * Checks a decompression result against what the input declares; returns why it is
   * wrong, or `undefined`. Only zstd has one (see {@link zstdContentSize}).
   */
  verify?(input: Uint8Array, output: Buffer): string | undefined;
}

function promised(fn: AsyncFn, data: Uint8Array, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fn(data, options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

interface Binding {
  readonly compress: AsyncFn;
  readonly compressSync: SyncFn;
  readonly decompress: AsyncFn;
  readonly decompressSync: SyncFn;
  readonly compressStream: StreamFn;
  readonly decompressStream: StreamFn;
  /** zlib options for a compression at `level` of `size` bytes. */
  readonly levelOptions: (level: number, size: number) => ZlibOptions;
}

function make(
  name: AlgorithmName,
  levels: { min: number; max: number; default: number },
  b: Binding,
  verify?: Algorithm['verify'],
): Algorithm {
  return {
    ...(verify ? { verify } : {}),
    name,
    id: codecIds[name],
    minLevel: levels.min,
    maxLevel: levels.max,
    defaultLevel: levels.default,
    compressSync: (data, level) => b.compressSync(data, b.levelOptions(level, data.byteLength)),
    compress: (data, level) => promised(b.compress, data, b.levelOptions(level, data.byteLength)),
    decompressSync: (data, maxOutputLength) => b.decompressSync(data, { maxOutputLength }),
    decompress: (data, maxOutputLength) => promised(b.decompress, data, { maxOutputLength }),
    compressStream: (level, sizeHint) => b.compressStream(b.levelOptions(level, sizeHint)),
    decompressStream: () => b.decompressStream({}),
  };
}

const zlibLevel = (level: number): ZlibOptions => ({ level });

const gzip = make(
  'gzip',
  { min: 0, max: 9, default: 6 },
  {
    compress: zlib.gzip as unknown as AsyncFn,
    compressSync: zlib.gzipSync as SyncFn,
    decompress: zlib.gunzip as unknown as AsyncFn,
    decompressSync: zlib.gunzipSync as SyncFn,
    compressStream: zlib.createGzip as StreamFn,
    decompressStream: zlib.createGunzip as StreamFn,
    levelOptions: zlibLevel,
  },
);

const deflate = make(
  'deflate',
  { min: 0, max: 9, default: 6 },
  {
    compress: zlib.deflate as unknown as AsyncFn,
    compressSync: zlib.deflateSync as SyncFn,
    decompress: zlib.inflate as unknown as AsyncFn,
    decompressSync: zlib.inflateSync as SyncFn,
    compressStream: zlib.createDeflate as StreamFn,
    decompressStream: zlib.createInflate as StreamFn,
    levelOptions: zlibLevel,
  },
);

const brotli = make(
  'brotli',
  { min: 0, max: 11, default: 4 },
  {
    compress: zlib.brotliCompress as unknown as AsyncFn,
    compressSync: zlib.brotliCompressSync as SyncFn,
    decompress: zlib.brotliDecompress as unknown as AsyncFn,
    decompressSync: zlib.brotliDecompressSync as SyncFn,
    compressStream: zlib.createBrotliCompress as StreamFn,
    decompressStream: zlib.createBrotliDecompress as StreamFn,
    levelOptions: (level, size) => ({
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: level,
        // The size hint lets brotli pick a window no larger than the value.
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
      },
    }),
  },
);

function zstdAlgorithm(): Algorithm | undefined {
  const { zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } = z;
  const { createZstdCompress, createZstdDecompress } = z;
  const levelParam = z.constants.ZSTD_c_compressionLevel;
  const checksumParam = z.constants.ZSTD_c_checksumFlag;
  if (
    !zstdCompress ||
    !zstdCompressSync ||
    !zstdDecompress ||
    !zstdDecompressSync ||
    !createZstdCompress ||
    !createZstdDecompress ||
    levelParam === undefined ||
    checksumParam === undefined
  ) {
    return undefined;
  }
  return make(
    'zstd',
    { min: 1, max: 22, default: 3 },
    {
      compress: zstdCompress,
      compressSync: zstdCompressSync,
      decompress: zstdDecompress,
      decompressSync: zstdDecompressSync,
      compressStream: createZstdCompress,
      decompressStream: createZstdDecompress,
      // A content checksum, and the size pledged so that the frame header records it
      // (async and stream compression only write it when pledged): zstdContentSize.
      levelOptions: (level, size) => ({
        params: { [levelParam]: level, [checksumParam]: 1 },
        pledgedSrcSize: size,
      }),
    },
    (input, output) => {
      const declared = zstdContentSize(input);
      if (declared !== undefined) {
        return declared === output.byteLength
          ? undefined
          : `zstd frame declares ${declared} bytes but decoded to ${output.byteLength} (truncated?)`;
      }
      return output.byteLength === 0 ? 'zstd data decoded to nothing (truncated?)' : undefined;
    },
  );
}

/**
 * The content size a zstd frame header declares, or `undefined` when it has none.
 *
 * Why: some Node.js 22 releases return the partial output of a truncated zstd frame
 * without an error (Node 24 reports it). Comparing the output with the declared size
 * turns that into a `CorruptEntryError`; this package always writes the size.
 */
export function zstdContentSize(frame: Uint8Array): number | undefined {
  if (frame.byteLength < 6) return undefined;
  if (frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    return undefined;
  }
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  if (frame.byteLength < at + fcsBytes) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + at, fcsBytes);
  if (fcsBytes === 1) return view.getUint8(0);
  if (fcsBytes === 2) return view.getUint16(0, true) + 256;
  if (fcsBytes === 4) return view.getUint32(0, true);
  return Number(view.getBigUint64(0, true));
}

const table: Partial<Record<AlgorithmName, Algorithm>> = { gzip, deflate, brotli };
const zstd = zstdAlgorithm();
if (zstd) table.zstd = zstd;

const byId: (Algorithm | undefined)[] = [];
for (const algorithm of Object.values(table)) byId[algorithm.id] = algorithm;

/** The algorithm of a name, or `undefined` when this runtime lacks it. */
export function algorithmOf(name: AlgorithmName): Algorithm | undefined {
  return table[name];
}

/** The algorithm of a frame codec id, or `undefined` when unknown or unavailable. */
export function algorithmOfId(id: number): Algorithm | undefined {
  return byId[id];
}

/** The name of a codec id this package reserves, or `undefined` for other ids. */
export function nameOfId(id: number): AlgorithmName | undefined {
  return algorithmNames[id - 1];
}

/**
 * The algorithms the running Node.js offers, in id order: always `gzip`, `deflate`,
 * `brotli`; `zstd` on Node 22.15+/23.8+ (detected at run time, not by version number).
 */
export function availableAlgorithms(): AlgorithmName[] {
  return algorithmNames.filter((name) => table[name] !== undefined);
}

/** Whether the running Node.js offers `name`. */
export function isAlgorithmAvailable(name: AlgorithmName): boolean {
  return table[name] !== undefined;
}
