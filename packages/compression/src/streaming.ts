import type { Transform } from 'node:stream';
import type { Algorithm } from './algorithms.js';
import { DecompressionLimitError } from './errors.js';

/** Bytes handed to a zlib stream per `write` (a view into the value, never a copy). */
export const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * Feeds `data` through a zlib transform in {@link STREAM_CHUNK_BYTES} views and collects
 * the output. When `limitBytes` is given, the output is counted as it arrives and the
 * stream is destroyed with a {@link DecompressionLimitError} as soon as it goes past the
 * limit, so a bomb never expands further than one chunk beyond it.
 */
export function pipeThrough(
  stream: Transform,
  data: Uint8Array,
  limit?: { readonly algorithm: string; readonly bytes: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = false;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      total += chunk.byteLength;
      if (limit && total > limit.bytes) {
        failed = true;
        stream.destroy();
        reject(new DecompressionLimitError(limit.algorithm, limit.bytes));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('error', (error) => {
      if (failed) return;
      failed = true;
      reject(error);
    });
    stream.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, total));
    });
    let offset = 0;
    const writeMore = (): void => {
      while (offset < data.byteLength && !failed) {
        const end = Math.min(offset + STREAM_CHUNK_BYTES, data.byteLength);
        const more = stream.write(data.subarray(offset, end));
        offset = end;
        if (!more) {
          stream.once('drain', writeMore);
          return;
        }
      }
      if (!failed) stream.end();
    };
    writeMore();
  });
}

/** Compresses `data` with a zlib stream of `algorithm` (see {@link pipeThrough}). */
export function compressStreaming(
  algorithm: Algorithm,
  data: Uint8Array,
  level: number,
): Promise<Buffer> {
  return pipeThrough(algorithm.compressStream(level, data.byteLength), data);
}

/** Decompresses `data` with a zlib stream, counting output bytes against `limitBytes`. */
export function decompressStreaming(
  algorithm: Algorithm,
  data: Uint8Array,
  limitBytes: number,
): Promise<Buffer> {
  return pipeThrough(algorithm.decompressStream(), data, {
    algorithm: algorithm.name,
    bytes: limitBytes,
  });
}
