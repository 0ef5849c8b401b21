import { decodeFrame } from '../codec/frame.js';
import type { Codec, Serializer } from '../contracts/codec.js';
import type { Entry } from '../contracts/entry.js';
import { CacheStackError, CorruptEntryError } from '../contracts/errors.js';
import { type CacheEvents, coreChannels } from '../contracts/events.js';
import type { Logger } from '../contracts/logger.js';
import { reportStoreError } from './l2-guard.js';

/** What {@link L2Decoder} needs: the codec pipeline and where to report. */
export interface L2DecoderOptions {
  readonly serializer: Serializer;
  /** The configured codec first, then the extra decoders. */
  readonly codecs: readonly Codec[];
  readonly events: CacheEvents;
  readonly logger: Logger;
  /** Deletes a corrupted entry from L2 (never rejects). */
  readonly deleteCorrupt: (namespace: string, key: string) => void;
}

/**
 * Decodes the bytes of an L2 read. A frame that does not decode is never returned: an
 * intact frame this instance cannot read (e.g. zstd on a Node without zstd) is a
 * reported miss and kept for the instances that can; a corrupted one is reported
 * (`store:corrupt`) and deleted. Synchronous when the codec is, so an L2 hit pays no
 * extra promise.
 */
export class L2Decoder {
  readonly #options: L2DecoderOptions;
  readonly #frameOptions: { serializer: Serializer; codecs: readonly Codec[] };

  constructor(options: L2DecoderOptions) {
    this.#options = options;
    this.#frameOptions = { serializer: options.serializer, codecs: options.codecs };
  }

  /** The entry, or `undefined` when the bytes do not decode. Never throws or rejects. */
  decode(
    namespace: string,
    key: string,
    bytes: Uint8Array,
  ): Entry | undefined | Promise<Entry | undefined> {
    try {
      const decoded = decodeFrame(bytes, this.#frameOptions);
      if (decoded instanceof Promise) {
        return decoded.catch((error: unknown) => this.#undecodable(namespace, key, error));
      }
      return decoded;
    } catch (error) {
      return this.#undecodable(namespace, key, error);
    }
  }

  #undecodable(namespace: string, key: string, error: unknown): undefined {
    // Intact but unreadable here: a miss, reported, but kept for the instances that can
    // read it.
    if (error instanceof CacheStackError && !(error instanceof CorruptEntryError)) {
      reportStoreError(this.#options.events, 'decode', error);
      return undefined;
    }
    // Corrupted: never returned. Delete it so it is not read again.
    const err = error instanceof Error ? error : new Error(String(error));
    const events = this.#options.events;
    events.emit('store:corrupt', { namespace, key, error: err });
    // Deprecated alias, kept for one minor version (docs/events.md).
    if (events.has('l2:corrupt')) events.emit('l2:corrupt', { namespace, key, error: err });
    if (coreChannels.corrupt.hasSubscribers) coreChannels.corrupt.publish({ namespace, key });
    this.#options.logger.warn({ err, namespace, key }, 'cachestack: corrupt L2 entry deleted');
    this.#options.deleteCorrupt(namespace, key);
    return undefined;
  }
}
