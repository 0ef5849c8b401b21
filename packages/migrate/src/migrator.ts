import {
  type Codec,
  InvalidOptionError,
  isCacheStackError,
  jsonSerializer,
  type RemoteStore,
  type Serializer,
} from '@cachestack/core';
import { type BatchContext, runBatch } from './batch.js';
import { StateError } from './errors.js';
import { compileKeyMap } from './key-mapping.js';
import { assertClient, LegacyStore, type RedisClient } from './legacy-store.js';
import { countLegacyKeys, scanNodes, scanPage } from './scanner.js';
import {
  type MigrationCounts,
  type MigrationFailure,
  type MigrationState,
  type StateStore,
  zeroCounts,
} from './state.js';
import { defaultDecode } from './value-codec.js';

/**
 * TTL given to new keys whose legacy key has no expiry, unless `persistentTtlMs` says
 * otherwise: 100 years, i.e. kept. (Stores need a finite TTL.)
 */
export const PERSISTENT_TTL_MS = 3_155_760_000_000;

/** What a transform receives besides the value. */
export interface TransformContext {
  readonly legacyKey: string;
  /** The new key (in the store's namespace). */
  readonly key: string;
  /** Remaining TTL of the legacy key in ms; `undefined` when it has none. */
  readonly ttlMs: number | undefined;
}

/** Turns a decoded legacy value into the value to cache. Throw to skip (and report) the key. */
export type Transform = (value: unknown, context: TransformContext) => unknown;

/** Keys to migrate when no pattern map fits: globs to SCAN and a legacy → logical key function. */
export interface LegacySource {
  readonly globs: readonly string[];
  readonly toKey: (legacyKey: string) => string | undefined;
}

/** Progress of a running migration. */
export interface MigrationProgress {
  readonly counts: Readonly<MigrationCounts>;
  /** Legacy keys counted before the run (`undefined` when counting was off). */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Keys scanned per second in this run. */
  readonly rate: number;
  /** Estimated time left, or `undefined` when unknown. */
  readonly etaMs: number | undefined;
}

/** Options of {@link migrateLegacyKeys}. */
export interface MigrateOptions {
  /** ioredis client (`Redis` or `Cluster`) holding the legacy keys. Stays yours. */
  readonly client: RedisClient;
  /** Where the new keys go: the cache's L2 store, e.g. `redisStore({ client, prefix })`. Stays yours. */
  readonly store: RemoteStore;
  /** The cache namespace the new keys belong to. */
  readonly namespace: string;
  /** A pattern map `{ 'user:{id}': 'legacy:u:{id}' }` (logical → legacy), or a {@link LegacySource}. */
  readonly legacy: Readonly<Record<string, string>> | LegacySource;
  /** Logical key → new key. @defaultValue the logical key */
  readonly newKey?: ((key: string) => string) | undefined;
  /** Legacy string → value. @defaultValue `JSON.parse`, or the raw string when not JSON */
  readonly decode?: ((raw: string) => unknown) | undefined;
  /** Optional value transform; a key whose transform throws is reported and skipped. */
  readonly transform?: Transform | undefined;
  /** Serializer of the caches that will read the keys. @defaultValue core's `jsonSerializer` */
  readonly serializer?: Serializer | undefined;
  /** Codec (compression) of the caches that will read the keys. @defaultValue none */
  readonly codec?: Codec | undefined;
  /** `SCAN COUNT` hint, and so the size of a write batch. @defaultValue 500 */
  readonly batchSize?: number | undefined;
  /** Count and report, write nothing (no keys, no state). @defaultValue false */
  readonly dryRun?: boolean | undefined;
  /** TTL of new keys whose legacy key has none, in ms. @defaultValue {@link PERSISTENT_TTL_MS} (kept) */
  readonly persistentTtlMs?: number | undefined;
  /** Delete each legacy key once its new key reads back equal. @defaultValue false */
  readonly deleteLegacy?: boolean | undefined;
  /** Where progress is saved after each batch, to resume from. @defaultValue none (not resumable) */
  readonly state?: StateStore | undefined;
  /** Ignore a saved state and start over. @defaultValue false */
  readonly restart?: boolean | undefined;
  /** Count the legacy keys first, for progress and ETA. @defaultValue true */
  readonly countTotal?: boolean | undefined;
  /** Stop (resumably) after this many batches in this run. @defaultValue unlimited */
  readonly maxBatches?: number | undefined;
  /** Failures kept in the report and state. @defaultValue 1000 */
  readonly maxFailures?: number | undefined;
  /** Stops the run after the current batch, resumably. */
  readonly signal?: AbortSignal | undefined;
  /** Called after every batch. */
  readonly onProgress?: ((progress: MigrationProgress) => void) | undefined;
  /** Clock (ms since epoch). @defaultValue Date.now */
  readonly now?: (() => number) | undefined;
}

/** What a run did, with the totals of every run of the same state. */
export interface MigrationReport extends MigrationCounts {
  readonly dryRun: boolean;
  /** Every SCAN pass reached its end. */
  readonly complete: boolean;
  /** Why the run ended early: an abort signal or `maxBatches`. */
  readonly stoppedBy: 'signal' | 'maxBatches' | undefined;
  /** Whether the run continued a saved state. */
  readonly resumed: boolean;
  readonly total: number | undefined;
  readonly globs: readonly string[];
  readonly durationMs: number;
  /** Keys scanned per second in this run. */
  readonly rate: number;
  readonly failures: readonly MigrationFailure[];
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(name, 'must be an integer >= 1');
  }
  return value;
}

function failureOf(legacyKey: string, error: unknown): MigrationFailure {
  return {
    legacyKey,
    code: isCacheStackError(error) ? error.code : 'CACHESTACK_MIGRATE_TRANSFORM',
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Copies legacy keys to new keys in batches: `SCAN` (every master of a Cluster), a fenced
 * read of the new keys, a pipelined `GET`+`PTTL` of the legacy keys, decode, transform,
 * core's frame format (so caches read the keys), and one conditional `setMany`. A key whose
 * new key already holds a value is skipped, and one set or deleted by a cache while the
 * batch ran is not written, so reruns change nothing and never overwrite a newer value.
 * With a `state`, progress is saved after each batch and a rerun resumes from the cursor.
 * @throws InvalidOptionError, StateError, LegacyStoreError, StoreError (the run stops; resume later)
 */
export async function migrateLegacyKeys(options: MigrateOptions): Promise<MigrationReport> {
  assertClient(options.client);
  if (typeof options.store?.getManyWithFence !== 'function') {
    throw new InvalidOptionError('store', 'must be a RemoteStore');
  }
  if (typeof options.namespace !== 'string' || options.namespace.length === 0) {
    throw new InvalidOptionError('namespace', 'must be a non-empty string');
  }
  const source: LegacySource =
    typeof (options.legacy as LegacySource).toKey === 'function'
      ? (options.legacy as LegacySource)
      : compileKeyMap(options.legacy as Record<string, string>);
  if (source.globs.length === 0) throw new InvalidOptionError('legacy', 'no globs to scan');
  const batchSize = positiveInt('batchSize', options.batchSize, 500);
  const maxBatches =
    options.maxBatches === undefined ? Infinity : positiveInt('maxBatches', options.maxBatches, 1);
  const maxFailures = options.maxFailures ?? 1000;
  const persistentTtlMs = positiveInt(
    'persistentTtlMs',
    options.persistentTtlMs,
    PERSISTENT_TTL_MS,
  );
  const now = options.now ?? Date.now;
  const dryRun = options.dryRun === true;
  const deleteLegacy = options.deleteLegacy === true && !dryRun;
  const decode = options.decode ?? defaultDecode;
  const newKey = options.newKey ?? ((key: string) => key);
  const serializer = options.serializer ?? jsonSerializer;
  const legacy = new LegacyStore(options.client);
  const nodes = scanNodes(options.client);
  const fingerprint = JSON.stringify({
    namespace: options.namespace,
    globs: source.globs,
    nodes: nodes.map((n) => n.id),
  });

  const saved =
    options.state && !dryRun && !options.restart ? await options.state.load() : undefined;
  if (saved && saved.fingerprint !== fingerprint) {
    throw new StateError(
      `the saved state belongs to another migration (${saved.fingerprint}); use restart or another state file`,
    );
  }
  const startedAt = now();
  const state: MigrationState = saved ?? {
    version: 1,
    fingerprint,
    passes: nodes.flatMap((node) =>
      source.globs.map((glob) => ({ node: node.id, glob, cursor: '0', done: false })),
    ),
    counts: zeroCounts(),
    failures: [],
    startedAt,
    updatedAt: startedAt,
  };
  const counts = state.counts;
  const scannedBefore = counts.scanned;
  let total: number | undefined;
  if (options.countTotal !== false && state.passes.some((p) => !p.done)) {
    const present = (
      await countLegacyKeys({ client: options.client, legacy: source.globs, count: batchSize })
    ).total;
    total = deleteLegacy ? scannedBefore + present : Math.max(present, scannedBefore);
  }

  const fail = (legacyKey: string, error: unknown) => {
    counts.failed++;
    if (state.failures.length < maxFailures) state.failures.push(failureOf(legacyKey, error));
  };

  const batch: BatchContext = {
    options,
    counts,
    fail,
    toKey: source.toKey,
    newKey,
    legacy,
    decode,
    serializer,
    persistentTtlMs,
    dryRun,
    deleteLegacy,
    now,
  };

  const runStart = now();
  let batchesThisRun = 0;
  let stoppedBy: MigrationReport['stoppedBy'];
  const scannedNow = () => counts.scanned - scannedBefore;
  const progress = (): MigrationProgress => {
    const elapsedMs = Math.max(0, now() - runStart);
    const rate = elapsedMs > 0 ? (scannedNow() * 1000) / elapsedMs : 0;
    const known = total === undefined ? undefined : Math.max(total, counts.scanned);
    if (known !== undefined) total = known;
    const etaMs =
      known !== undefined && rate > 0 ? ((known - counts.scanned) / rate) * 1000 : undefined;
    return { counts: { ...counts }, total: known, elapsedMs, rate, etaMs };
  };
  outer: for (const pass of state.passes) {
    const node = nodes.find((n) => n.id === pass.node)!;
    while (!pass.done) {
      if (options.signal?.aborted) {
        stoppedBy = 'signal';
        break outer;
      }
      if (batchesThisRun >= maxBatches) {
        stoppedBy = 'maxBatches';
        break outer;
      }
      const page = await scanPage(node, pass.cursor, pass.glob, batchSize);
      if (page.keys.length > 0) await runBatch(batch, node, page.keys);
      pass.cursor = page.cursor;
      pass.done = page.cursor === '0';
      counts.batches++;
      batchesThisRun++;
      state.updatedAt = now();
      if (options.state && !dryRun) await options.state.save(state);
      options.onProgress?.(progress());
    }
  }
  const finalProgress = progress();
  return {
    ...counts,
    dryRun,
    complete: state.passes.every((p) => p.done),
    stoppedBy,
    resumed: saved !== undefined,
    total: finalProgress.total,
    globs: source.globs,
    durationMs: finalProgress.elapsedMs,
    rate: finalProgress.rate,
    failures: state.failures,
  };
}
