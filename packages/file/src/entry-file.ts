import { crc32 } from '@cachestack/core';

/**
 * The on-disk format of one entry file (little-endian):
 *
 * ```
 *  0  u32  magic 'CSF1'
 *  4  u8   format version (1)
 *  5  u8   flags (0)
 *  6  u16  reserved (0)
 *  8  f64  expiresAt, epoch ms
 * 16  u32  key length (UTF-8 bytes)
 * 20  u32  tags section length
 * 24  u32  value length
 * 28  u32  head CRC-32: bytes 0..28, then the key, then the tags section
 * 32  key bytes
 *     tags section: per tag, u32 length + UTF-8 bytes
 *     value bytes
 * end u32  CRC-32 of every byte before it
 * ```
 *
 * The head CRC lets the cleaner and tag deletion trust expiry, key and tags after
 * reading only the head; the trailing CRC covers the whole file, so a torn or damaged
 * file (short write, power loss, bit rot, a stray writer) never decodes.
 */

export const MAGIC = 0x31465343; // 'CSF1' read as u32 LE
export const VERSION = 1;
export const FIXED_HEAD = 32;
const TRAILER = 4;

/** The head of an entry file: everything except the value. */
export interface EntryHead {
  readonly expiresAt: number;
  readonly key: string;
  readonly tags: readonly string[];
  /** Total length the file must have. */
  readonly fileLength: number;
  /** Offset of the value bytes. */
  readonly valueOffset: number;
  readonly valueLength: number;
}

/** Why a file does not decode. */
export type CorruptReason = 'short' | 'magic' | 'version' | 'head-checksum' | 'length' | 'checksum';

/** Thrown by the decoders for a damaged file. */
export class CorruptFileError extends Error {
  readonly reason: CorruptReason;
  constructor(reason: CorruptReason) {
    super(`corrupt entry file (${reason})`);
    this.reason = reason;
  }
}

/**
 * Encodes an entry as buffers to write in order (head, value, trailer), without copying
 * the value.
 */
export function encodeEntry(
  key: string,
  tags: readonly string[] | undefined,
  value: Uint8Array,
  expiresAt: number,
): Buffer[] {
  const keyBytes = Buffer.from(key, 'utf8');
  const tagBytes = (tags ?? []).map((t) => Buffer.from(t, 'utf8'));
  let tagsLength = 0;
  for (const t of tagBytes) tagsLength += 4 + t.length;
  const head = Buffer.allocUnsafe(FIXED_HEAD + keyBytes.length + tagsLength);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt8(VERSION, 4);
  head.writeUInt8(0, 5);
  head.writeUInt16LE(0, 6);
  head.writeDoubleLE(expiresAt, 8);
  head.writeUInt32LE(keyBytes.length, 16);
  head.writeUInt32LE(tagsLength, 20);
  head.writeUInt32LE(value.byteLength, 24);
  let offset = FIXED_HEAD;
  offset += keyBytes.copy(head, offset);
  for (const t of tagBytes) {
    head.writeUInt32LE(t.length, offset);
    offset += 4;
    offset += t.copy(head, offset);
  }
  const headCrc = crc32(head.subarray(FIXED_HEAD), crc32(head.subarray(0, 28)));
  head.writeUInt32LE(headCrc, 28);
  const valueBuf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const trailer = Buffer.allocUnsafe(TRAILER);
  // (Continuing a CRC over an empty buffer is not the identity for every crc32 binding.)
  const headCrcAll = crc32(head);
  trailer.writeUInt32LE(valueBuf.length === 0 ? headCrcAll : crc32(valueBuf, headCrcAll), 0);
  return [head, valueBuf, trailer];
}

/** Length of the head (fixed part, key and tags) given its first 32 bytes, after checks. */
export function headLength(fixed: Uint8Array): number {
  if (fixed.byteLength < FIXED_HEAD) throw new CorruptFileError('short');
  const b = Buffer.from(fixed.buffer, fixed.byteOffset, fixed.byteLength);
  if (b.readUInt32LE(0) !== MAGIC) throw new CorruptFileError('magic');
  if (b.readUInt8(4) !== VERSION) throw new CorruptFileError('version');
  return FIXED_HEAD + b.readUInt32LE(16) + b.readUInt32LE(20);
}

/**
 * Decodes and verifies the head from the first bytes of a file (at least
 * {@link headLength} of them).
 */
export function decodeHead(bytes: Uint8Array): EntryHead {
  const length = headLength(bytes);
  if (bytes.byteLength < length) throw new CorruptFileError('short');
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyLength = b.readUInt32LE(16);
  const tagsLength = b.readUInt32LE(20);
  const valueLength = b.readUInt32LE(24);
  const expected = b.readUInt32LE(28);
  if (crc32(b.subarray(FIXED_HEAD, length), crc32(b.subarray(0, 28))) !== expected) {
    throw new CorruptFileError('head-checksum');
  }
  const key = b.toString('utf8', FIXED_HEAD, FIXED_HEAD + keyLength);
  const tags: string[] = [];
  let offset = FIXED_HEAD + keyLength;
  const end = offset + tagsLength;
  while (offset < end) {
    if (offset + 4 > end) throw new CorruptFileError('head-checksum');
    const n = b.readUInt32LE(offset);
    offset += 4;
    if (offset + n > end) throw new CorruptFileError('head-checksum');
    tags.push(b.toString('utf8', offset, offset + n));
    offset += n;
  }
  return {
    expiresAt: b.readDoubleLE(8),
    key,
    tags,
    fileLength: length + valueLength + TRAILER,
    valueOffset: length,
    valueLength,
  };
}

/** Decodes and verifies a whole file. The value is a view of `bytes`. */
export function decodeEntry(bytes: Uint8Array): { head: EntryHead; value: Uint8Array } {
  const head = decodeHead(bytes);
  if (bytes.byteLength !== head.fileLength) throw new CorruptFileError('length');
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength - TRAILER;
  if (crc32(b.subarray(0, end)) !== b.readUInt32LE(end)) throw new CorruptFileError('checksum');
  return { head, value: bytes.subarray(head.valueOffset, head.valueOffset + head.valueLength) };
}
