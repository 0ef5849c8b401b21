import type { Codec, Serializer } from '../contracts/codec.js';
import type { Entry } from '../contracts/entry.js';
import { CacheStackError, CorruptEntryError } from '../contracts/errors.js';
import { crc32 } from './crc32.js';

/**
 * The L2 frame: what core writes to a remote store.
 *
 * ```
 * 0  2  magic 0xCA 0x5C
 * 2  1  format version (1)
 * 3  1  codec id (0 = none)
 * 4  1  serializer id
 * 5  1  flags (reserved, 0)
 * 6  4  CRC-32 of bytes 2-5 then the payload (big endian)
 * 10 .. payload = codec(body)
 * body: createdAt f64 | freshUntil f64 | staleUntil f64 | tag count u16 |
 *       (tag length u16, tag utf8)* | serialized value
 * ```
 *
 * The checksum covers the header fields and the stored payload, so corruption is detected before anything
 * is decompressed or parsed.
 */

const MAGIC_0 = 0xca;
const MAGIC_1 = 0x5c;
/** Current frame format version. */
export const FRAME_VERSION = 1;
const FRAME_HEADER = 10;
const BODY_HEADER = 26;

function bodyOf(entry: Entry, valueBytes: Uint8Array, prefix: number): Buffer {
  const tags = entry.tags ?? [];
  let tagBytes = 0;
  const encodedTags: Buffer[] = [];
  for (const tag of tags) {
    const b = Buffer.from(tag, 'utf8');
    encodedTags.push(b);
    tagBytes += 2 + b.byteLength;
  }
  const out = Buffer.allocUnsafe(prefix + BODY_HEADER + tagBytes + valueBytes.byteLength);
  let o = prefix;
  out.writeDoubleBE(entry.createdAt, o);
  out.writeDoubleBE(entry.freshUntil, o + 8);
  out.writeDoubleBE(entry.staleUntil, o + 16);
  out.writeUInt16BE(encodedTags.length, o + 24);
  o += BODY_HEADER;
  for (const b of encodedTags) {
    out.writeUInt16BE(b.byteLength, o);
    b.copy(out, o + 2);
    o += 2 + b.byteLength;
  }
  out.set(valueBytes, o);
  return out;
}

/** CRC-32 of the header fields (version, codec, serializer, flags) and the payload. */
function frameChecksum(frame: Uint8Array, payload = frame.subarray(FRAME_HEADER)): number {
  return crc32(payload, crc32(frame.subarray(2, 6)));
}

function writeHeader(out: Buffer, codecId: number, serializerId: number): void {
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = FRAME_VERSION;
  out[3] = codecId;
  out[4] = serializerId;
  out[5] = 0;
  out.writeUInt32BE(frameChecksum(out), 6);
}

/**
 * Serializes an entry into a frame, through the codec when one is given.
 * @throws SerializationError when the value cannot be serialized.
 */
export function encodeFrame(
  entry: Entry,
  serializer: Serializer,
  codec: Codec | undefined,
): Uint8Array | Promise<Uint8Array> {
  const valueBytes = serializer.serialize(entry.value);
  if (!codec) {
    const out = bodyOf(entry, valueBytes, FRAME_HEADER);
    writeHeader(out, 0, serializer.id);
    return out;
  }
  const body = bodyOf(entry, valueBytes, 0);
  const encoded = codec.encode(body);
  const finish = (result: { id: number; data: Uint8Array }): Uint8Array => {
    const out = Buffer.allocUnsafe(FRAME_HEADER + result.data.byteLength);
    out.set(result.data, FRAME_HEADER);
    writeHeader(out, result.id, serializer.id);
    return out;
  };
  return encoded instanceof Promise ? encoded.then(finish) : finish(encoded);
}

/** Parses the body that starts at `start` of `body` (no copy of an uncompressed frame). */
function parseBody(body: Uint8Array, serializer: Serializer, start = 0): Entry {
  if (body.byteLength - start < BODY_HEADER) throw new CorruptEntryError('frame body too short');
  // Stores return Buffers: read them in place rather than wrapping them again.
  const buf = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const createdAt = buf.readDoubleBE(start);
  const freshUntil = buf.readDoubleBE(start + 8);
  const staleUntil = buf.readDoubleBE(start + 16);
  const tagCount = buf.readUInt16BE(start + 24);
  let o = start + BODY_HEADER;
  let tags: string[] | undefined;
  if (tagCount > 0) {
    tags = [];
    for (let i = 0; i < tagCount; i++) {
      if (o + 2 > buf.byteLength) throw new CorruptEntryError('truncated tag list');
      const len = buf.readUInt16BE(o);
      if (o + 2 + len > buf.byteLength) throw new CorruptEntryError('truncated tag');
      tags.push(buf.toString('utf8', o + 2, o + 2 + len));
      o += 2 + len;
    }
  }
  const value = serializer.deserialize(buf.subarray(o));
  return { value, createdAt, freshUntil, staleUntil, tags };
}

/** Options of {@link decodeFrame}. */
export interface DecodeFrameOptions {
  readonly serializer: Serializer;
  /** Codecs able to decode non-zero codec ids (the configured one plus any extras). */
  readonly codecs: readonly Codec[];
}

function corrupt(error: unknown): CorruptEntryError {
  if (error instanceof CorruptEntryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CorruptEntryError(`cannot decode entry: ${message}`, { cause: error });
}

/**
 * Checks and decodes a frame.
 * @throws CorruptEntryError (sync or as a rejection) when the frame is damaged or unreadable.
 */
export function decodeFrame(
  bytes: Uint8Array,
  options: DecodeFrameOptions,
): Entry | Promise<Entry> {
  if (bytes.byteLength < FRAME_HEADER) throw new CorruptEntryError('frame too short');
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw new CorruptEntryError('bad magic bytes');
  const version = bytes[2]!;
  if (version < 1 || version > FRAME_VERSION) {
    throw new CorruptEntryError(`unsupported frame version ${version}`);
  }
  const codecId = bytes[3]!;
  const serializerId = bytes[4]!;
  if (serializerId !== options.serializer.id) {
    throw new CorruptEntryError(
      `entry was written with serializer ${serializerId}, configured serializer is ${options.serializer.id}`,
    );
  }
  const payload = bytes.subarray(FRAME_HEADER);
  const expected = ((bytes[6]! << 24) | (bytes[7]! << 16) | (bytes[8]! << 8) | bytes[9]!) >>> 0;
  if (frameChecksum(bytes, payload) !== expected) {
    throw new CorruptEntryError('checksum mismatch');
  }
  try {
    if (codecId === 0) return parseBody(bytes, options.serializer, FRAME_HEADER);
    const codec = options.codecs.find((c) => c.ids.includes(codecId));
    if (!codec) throw new CorruptEntryError(`no codec registered for codec id ${codecId}`);
    const decoded = codec.decode(codecId, payload);
    if (decoded instanceof Promise) {
      return decoded.then(
        (body) => {
          try {
            return parseBody(body, options.serializer);
          } catch (error) {
            throw corrupt(error);
          }
        },
        (error: unknown) => {
          throw error instanceof CacheStackError && !(error instanceof CorruptEntryError)
            ? error
            : corrupt(error);
        },
      );
    }
    return parseBody(decoded, options.serializer);
  } catch (error) {
    if (error instanceof CacheStackError && !(error instanceof CorruptEntryError)) throw error;
    throw corrupt(error);
  }
}
