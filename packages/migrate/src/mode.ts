import { InvalidModeError } from './errors.js';

/**
 * Migration phase of a {@link LegacyKeysCache}.
 *
 * - `dual-write`: writes and deletes go to the new and the legacy key; reads prefer the
 *   new key and fall back to the legacy one, backfilling the new key.
 * - `read-new-fallback-legacy`: writes go to the new key only (the legacy key is deleted
 *   so it can never shadow a newer value); reads fall back and backfill.
 * - `new-only`: the legacy keys are not touched at all.
 */
export type MigrationMode = 'dual-write' | 'read-new-fallback-legacy' | 'new-only';

/**
 * Where the mode comes from, read at every call: a fixed mode, a function (e.g. reading
 * a feature flag), or an object whose `mode` property is read (e.g. a hot-reloaded
 * config section). Changing it switches phases without a deploy.
 */
export type ModeSource = MigrationMode | (() => MigrationMode) | { readonly mode: MigrationMode };

const MODES: ReadonlySet<string> = new Set(['dual-write', 'read-new-fallback-legacy', 'new-only']);

/** Whether the value is one of the three modes. */
export function isMigrationMode(value: unknown): value is MigrationMode {
  return typeof value === 'string' && MODES.has(value);
}

/** Validates a mode source (a fixed mode is checked at once). @throws InvalidModeError */
export function assertModeSource(source: unknown): asserts source is ModeSource {
  if (typeof source === 'function') return;
  if (typeof source === 'object' && source !== null && 'mode' in source) return;
  if (!isMigrationMode(source)) throw new InvalidModeError(source);
}

/** The current mode of a source. @throws InvalidModeError */
export function readMode(source: ModeSource): MigrationMode {
  let mode: unknown;
  try {
    mode =
      typeof source === 'string' ? source : typeof source === 'function' ? source() : source.mode;
  } catch (error) {
    throw new InvalidModeError(undefined, { cause: error });
  }
  if (!isMigrationMode(mode)) throw new InvalidModeError(mode);
  return mode;
}
