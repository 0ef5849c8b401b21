import { open, readFile, rename, unlink } from 'node:fs/promises';
import { StateError } from './errors.js';

/** Counters of a batch migration; every scanned key lands in exactly one of the first seven. */
export interface MigrationCounts {
  /** Legacy keys returned by SCAN (a key SCAN returns twice counts twice). */
  scanned: number;
  /** New keys written. */
  migrated: number;
  /** Keys a dry run would have written. */
  wouldMigrate: number;
  /** New key already held a value: left as is (this is what makes reruns idempotent). */
  skippedExisting: number;
  /** New key was set or deleted by a cache while the batch ran: not written (fenced). */
  skippedChanged: number;
  /** Legacy key expired or vanished between SCAN and read. */
  expired: number;
  /** Legacy value could not be read, decoded, transformed or serialized: reported, legacy key kept. */
  failed: number;
  /** Legacy key matched the glob but not the pattern: left alone. */
  unmapped: number;
  /** Legacy keys deleted after their new key was read back and compared equal. */
  legacyDeleted: number;
  /** Legacy keys kept because the new key read back differs (or could not be read). */
  verifyMismatches: number;
  /** SCAN calls processed. */
  batches: number;
}

/** One key that failed, as reported. */
export interface MigrationFailure {
  readonly legacyKey: string;
  readonly code: string;
  readonly message: string;
}

/** Where one SCAN pass (one server, one glob) stands. */
export interface PassState {
  readonly node: string;
  readonly glob: string;
  cursor: string;
  done: boolean;
}

/** What a migration persists after every batch, to resume from. */
export interface MigrationState {
  readonly version: 1;
  /** Identifies the settings (globs, namespace, servers); a resume with others is refused. */
  readonly fingerprint: string;
  readonly passes: PassState[];
  readonly counts: MigrationCounts;
  /** The first failures (up to the migrator's `maxFailures`). */
  readonly failures: MigrationFailure[];
  readonly startedAt: number;
  updatedAt: number;
}

/** Persistence of a {@link MigrationState}. */
export interface StateStore {
  /** The saved state, or `undefined` when none. @throws StateError when unreadable */
  load(): Promise<MigrationState | undefined>;
  /** Saves the state atomically (a crash leaves the previous or the new state, never a mix). */
  save(state: MigrationState): Promise<void>;
}

/** Fresh zero counters. */
export function zeroCounts(): MigrationCounts {
  return {
    scanned: 0,
    migrated: 0,
    wouldMigrate: 0,
    skippedExisting: 0,
    skippedChanged: 0,
    expired: 0,
    failed: 0,
    unmapped: 0,
    legacyDeleted: 0,
    verifyMismatches: 0,
    batches: 0,
  };
}

/**
 * A state file: JSON, written to a temporary file in the same directory, flushed to disk
 * (`fsync`) and renamed over the old one, so a kill at any moment leaves a whole state.
 */
export function fileStateStore(path: string): StateStore {
  if (typeof path !== 'string' || path.length === 0) {
    throw new StateError('state file path must be a non-empty string');
  }
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new StateError(`cannot read state file ${path}`, path, { cause: error });
      }
      let state: MigrationState;
      try {
        state = JSON.parse(text) as MigrationState;
      } catch (error) {
        throw new StateError(`state file ${path} is not valid JSON`, path, { cause: error });
      }
      if (
        state?.version !== 1 ||
        !Array.isArray(state.passes) ||
        typeof state.counts !== 'object'
      ) {
        throw new StateError(`state file ${path} is not a migration state`, path);
      }
      return state;
    },
    async save(state) {
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        const handle = await open(tmp, 'w');
        try {
          await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, path);
      } catch (error) {
        await unlink(tmp).catch(() => {});
        throw new StateError(`cannot write state file ${path}`, path, { cause: error });
      }
    },
  };
}
