/**
 * The codec slot of the L2 pipeline (compression lives in `@cachestack/compression`).
 *
 * A codec turns serialized bytes into stored bytes and back. The frame records the id
 * of the codec that produced the bytes, so entries written with any codec, or none,
 * stay readable whatever codec is configured now.
 *
 * Ids: 0 = identity (stored as is), 1-15 reserved for `@cachestack/compression`
 * (1 gzip, 2 deflate, 3 brotli, 4 zstd), 16-127 reserved, 128-255 for applications.
 */

/** What {@link Codec.encode} produced: the bytes and the id that decodes them. */
export interface CodecOutput {
  /** Codec id written into the frame; 0 when the data was left as is. */
  readonly id: number;
  readonly data: Uint8Array;
}

/** A reversible byte transform plugged into the L2 pipeline. */
export interface Codec {
  /** Human-readable name, e.g. `gzip`. */
  readonly name: string;
  /** Every codec id this codec can decode. */
  readonly ids: readonly number[];
  /** Encodes; may decide not to (threshold, worthiness) and return `{ id: 0, data }`. */
  encode(data: Uint8Array): CodecOutput | Promise<CodecOutput>;
  /**
   * Decodes bytes written with codec `id`.
   * Must reject/throw a `CacheStackError` (e.g. `CorruptEntryError`) on bad input.
   */
  decode(id: number, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Turns values into bytes and back. The default is the type-faithful JSON serializer. */
export interface Serializer {
  /** Id recorded in the frame (0 = built-in JSON; 128-255 for applications). */
  readonly id: number;
  /** @throws SerializationError when the value cannot be represented. */
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}
