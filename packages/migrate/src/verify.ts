import { isDeepStrictEqual } from 'node:util';
import { type Codec, decodeFrame, type RemoteStore, type Serializer } from '@cachestack/core';
import type { LegacyStore } from './legacy-store.js';
import type { Transform } from './migrator.js';

/** A legacy key of a batch on its way to the new key. */
export interface BatchItem {
  readonly legacyKey: string;
  readonly key: string;
  /** The legacy string as read. */
  readonly raw: string;
  /** The value written (when `known`). */
  readonly value: unknown;
  readonly known: boolean;
  readonly bytes?: Uint8Array;
  readonly ttlMs?: number;
}

/** What {@link verifyAndDelete} needs. */
export interface VerifyContext {
  readonly store: RemoteStore;
  readonly namespace: string;
  readonly legacy: LegacyStore;
  readonly serializer: Serializer;
  readonly codec: Codec | undefined;
  readonly decode: (raw: string) => unknown;
  readonly transform: Transform | undefined;
}

/**
 * Reads the new keys back, decodes their frames and compares the values with what the
 * legacy values become; deletes a legacy key only when they are equal and only while
 * it still holds the string that was read (compare-and-delete).
 */
export async function verifyAndDelete(
  items: readonly BatchItem[],
  context: VerifyContext,
): Promise<{ deleted: number; mismatches: number }> {
  if (items.length === 0) return { deleted: 0, mismatches: 0 };
  const back = await context.store.getMany(
    context.namespace,
    items.map((i) => i.key),
  );
  const codecs = context.codec ? [context.codec] : [];
  const equal: { key: string; raw: string }[] = [];
  let mismatches = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const bytes = back[i];
    try {
      if (bytes === undefined) throw new Error('new key is missing');
      const entry = await decodeFrame(bytes, { serializer: context.serializer, codecs });
      let expected = item.value;
      if (!item.known) {
        expected = context.decode(item.raw);
        if (context.transform) {
          expected = await context.transform(expected, {
            legacyKey: item.legacyKey,
            key: item.key,
            ttlMs: undefined,
          });
        }
      }
      if (isDeepStrictEqual(entry.value, expected))
        equal.push({ key: item.legacyKey, raw: item.raw });
      else mismatches++;
    } catch {
      mismatches++;
    }
  }
  const deleted = await context.legacy.deleteIfEqual(equal);
  let count = 0;
  for (const d of deleted) {
    if (d) count++;
    else mismatches++;
  }
  return { deleted: count, mismatches };
}
