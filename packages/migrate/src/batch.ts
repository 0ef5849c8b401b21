import { encodeFrame, type Serializer } from '@cachestack/core';
import { TransformError } from './errors.js';
import type { LegacyStore } from './legacy-store.js';
import type { MigrateOptions } from './migrator.js';
import type { ScanNode } from './scanner.js';
import type { MigrationCounts } from './state.js';
import { type BatchItem, verifyAndDelete } from './verify.js';

/** What one batch of a migration needs (resolved options and shared counters). */
export interface BatchContext {
  readonly options: MigrateOptions;
  readonly counts: MigrationCounts;
  readonly fail: (legacyKey: string, error: unknown) => void;
  readonly toKey: (legacyKey: string) => string | undefined;
  readonly newKey: (key: string) => string;
  readonly legacy: LegacyStore;
  readonly decode: (raw: string) => unknown;
  readonly serializer: Serializer;
  readonly persistentTtlMs: number;
  readonly dryRun: boolean;
  readonly deleteLegacy: boolean;
  readonly now: () => number;
}

/**
 * Migrates the legacy keys of one SCAN page: fenced read of the new keys, legacy values
 * with their TTLs, decode/transform/frame, one conditional write, optional verified
 * deletion. Per-key problems are counted; store failures reject (the run stops).
 */
export async function runBatch(
  c: BatchContext,
  node: ScanNode,
  keys: readonly string[],
): Promise<void> {
  const { counts, options } = c;
  counts.scanned += keys.length;
  const items: { legacyKey: string; key: string }[] = [];
  for (const legacyKey of keys) {
    const logical = c.toKey(legacyKey);
    if (logical === undefined) counts.unmapped++;
    else items.push({ legacyKey, key: c.newKey(logical) });
  }
  if (items.length === 0) return;
  // The fence is read before the legacy values: a cache that sets or deletes a key
  // after this point makes the conditional write below skip that key.
  const { values: existing, fence } = await options.store.getManyWithFence(
    options.namespace,
    items.map((i) => i.key),
  );
  const reads = await c.legacy.readMany(
    items.map((i) => i.legacyKey),
    node.client,
  );
  const writes: BatchItem[] = [];
  const present: BatchItem[] = [];
  const t = c.now();
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const read = reads[i];
    if (read instanceof Error) {
      c.fail(item.legacyKey, read);
      continue;
    }
    if (read === undefined) {
      counts.expired++;
      continue;
    }
    if (existing[i] !== undefined) {
      counts.skippedExisting++;
      if (c.deleteLegacy) present.push({ ...item, raw: read.raw, value: undefined, known: false });
      continue;
    }
    let value: unknown;
    let bytes: Uint8Array;
    const ttlMs = read.ttlMs ?? c.persistentTtlMs;
    try {
      try {
        value = c.decode(read.raw);
        if (options.transform) {
          value = options.transform(value, { ...item, ttlMs: read.ttlMs });
          if (value instanceof Promise) value = await value;
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new TransformError(item.legacyKey, message, { cause: error });
      }
      const frame = encodeFrame(
        { value, createdAt: t, freshUntil: t + ttlMs, staleUntil: t + ttlMs, tags: undefined },
        c.serializer,
        options.codec,
      );
      // No await for synchronous frames: a microtask per key adds up over millions.
      bytes = frame instanceof Promise ? await frame : frame;
    } catch (error) {
      c.fail(item.legacyKey, error);
      continue;
    }
    writes.push({ ...item, raw: read.raw, value, known: true, bytes, ttlMs });
  }
  if (c.dryRun) {
    counts.wouldMigrate += writes.length;
    return;
  }
  const written: BatchItem[] = [];
  if (writes.length > 0) {
    const outcomes = await options.store.setMany(
      options.namespace,
      writes.map((w) => ({ key: w.key, value: w.bytes!, ttlMs: w.ttlMs! })),
      fence,
    );
    outcomes.forEach((outcome, i) => {
      if (outcome === 'written') {
        counts.migrated++;
        written.push(writes[i]!);
      } else counts.skippedChanged++;
    });
  }
  if (c.deleteLegacy) {
    const result = await verifyAndDelete([...written, ...present], {
      store: options.store,
      namespace: options.namespace,
      legacy: c.legacy,
      serializer: c.serializer,
      codec: options.codec,
      decode: c.decode,
      transform: options.transform,
    });
    counts.legacyDeleted += result.deleted;
    counts.verifyMismatches += result.mismatches;
  }
}
