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

const NUM = '(0|[1-9][0-9]{0,15})';
const FENCE_RE = new RegExp(`^${NUM}:${NUM}$`);
const PAIR = '(?:0|[1-9][0-9]{0,3})=(?:0|[1-9][0-9]{0,15})';
const SHARDED_FENCE_RE = new RegExp(`^((?:${PAIR}(?:,${PAIR})*)?):${NUM}$`);

/**
 * A fence token of this store. One shard: `${epoch}:${readAtMs}`. Several shards:
 * `${shard}=${epoch},...:${readAtMs}`, one pair per shard the read touched.
 */
export interface ParsedFence {
  /** The epoch of each shard read with the value (decimal), by shard. */
  readonly epochs: ReadonlyMap<number, string>;
  /** When the read was sent, by the store's clock, in ms. */
  readonly readAtMs: number;
}

const epochText = (epoch: Buffer | string | null | undefined): string =>
  epoch ? epoch.toString() : '0';

/** Encodes the fence token of a one-shard store. */
export function formatFence(epoch: Buffer | null | undefined, readAtMs: number): string {
  return `${epochText(epoch)}:${Math.floor(readAtMs)}`;
}

/** Encodes the fence token of a sharded store from the epochs read, by shard. */
export function formatShardedFence(
  epochs: ReadonlyMap<number, Buffer | string | null | undefined>,
  readAtMs: number,
): string {
  const pairs: string[] = [];
  for (const [shard, epoch] of epochs) pairs.push(`${shard}=${epochText(epoch)}`);
  return `${pairs.join(',')}:${Math.floor(readAtMs)}`;
}

/**
 * Parses a fence token issued by this store (`sharded`: by a store with several shards).
 * @throws InvalidOptionError when it is not one.
 */
export function parseFence(fence: unknown, sharded = false): ParsedFence {
  if (typeof fence === 'string') {
    if (!sharded) {
      const match = FENCE_RE.exec(fence);
      if (match !== null) {
        return { epochs: new Map([[0, match[1]!]]), readAtMs: Number(match[2]) };
      }
    } else {
      const match = SHARDED_FENCE_RE.exec(fence);
      if (match !== null) {
        const epochs = new Map<number, string>();
        for (const pair of match[1] ? match[1].split(',') : []) {
          const at = pair.indexOf('=');
          epochs.set(Number(pair.slice(0, at)), pair.slice(at + 1));
        }
        return { epochs, readAtMs: Number(match[2]) };
      }
    }
  }
  throw new InvalidOptionError('fence', 'must be a fence token returned by this store');
}

/** Checks a batch entry (the value must be bytes, sent to Redis as they are). */
export { assertStoreEntry as assertEntry } from '@cachestack/core';
