import { assertStoreNamespace, InvalidKeyError, InvalidOptionError } from '@cachestack/core';

/**
 * Argument checks of the store's public methods. Namespaces must not hold `{` or `}`:
 * the namespace is the Cluster hash tag, and a brace would let two namespaces share keys.
 */

export function assertNamespace(namespace: unknown): asserts namespace is string {
  assertStoreNamespace(namespace);
  if (namespace.includes('{') || namespace.includes('}')) {
    throw new InvalidKeyError(`namespace "${namespace}" must not contain "{" or "}"`);
  }
}

export {
  assertStoreKey as assertKey,
  assertStoreKeys as assertKeys,
  assertStoreTags as assertTags,
  assertStoreTtl as assertTtl,
} from '@cachestack/core';

/** The bytes as a Buffer sharing their memory (ioredis sends Buffers verbatim). */
export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new InvalidOptionError('value', 'must be a Uint8Array');
}

const FENCE_RE = /^(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15})$/;

/** A fence token of this store: `${epoch}:${readAtMs}`. */
export interface ParsedFence {
  /** The namespace epoch read with the value (decimal). */
  readonly epoch: string;
  /** When the read was sent, by the store's clock, in ms. */
  readonly readAtMs: number;
}

/** Encodes a fence token. */
export function formatFence(epoch: Buffer | null | undefined, readAtMs: number): string {
  return `${epoch ? epoch.toString() : '0'}:${Math.floor(readAtMs)}`;
}

/**
 * Parses a fence token issued by this store.
 * @throws InvalidOptionError when it is not one.
 */
export function parseFence(fence: unknown): ParsedFence {
  const match = typeof fence === 'string' ? FENCE_RE.exec(fence) : null;
  if (match === null) {
    throw new InvalidOptionError('fence', 'must be a fence token returned by this store');
  }
  return { epoch: match[1]!, readAtMs: Number(match[2]) };
}

/** Checks a batch entry (the value must be bytes, sent to Redis as they are). */
export { assertStoreEntry as assertEntry } from '@cachestack/core';
