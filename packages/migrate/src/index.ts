export {
  InvalidModeError,
  InvalidPatternError,
  LegacyStoreError,
  StateError,
  TransformError,
  UsageError,
} from './errors.js';
export { compileKeyMap, type KeyMapping, type LegacyKeyMap } from './key-mapping.js';
export {
  type LegacyEventMap,
  type LegacyEventName,
  type LegacyStats,
  migrateChannels,
} from './legacy-events.js';
export type { LegacyRead, RedisClient } from './legacy-store.js';
export {
  type LegacySource,
  type MigrateOptions,
  type MigrationProgress,
  type MigrationReport,
  migrateLegacyKeys,
  PERSISTENT_TTL_MS,
  type Transform,
  type TransformContext,
} from './migrator.js';
export { isMigrationMode, type MigrationMode, type ModeSource } from './mode.js';
export {
  createProgressBar,
  formatDuration,
  formatProgress,
  type ProgressBar,
  type ProgressBarOptions,
} from './progress-bar.js';
export {
  type CountLegacyKeysOptions,
  countLegacyKeys,
  type LegacyKeyCount,
  type ScanNode,
  scanNodes,
} from './scanner.js';
export {
  fileStateStore,
  type MigrationCounts,
  type MigrationFailure,
  type MigrationState,
  type PassState,
  type StateStore,
} from './state.js';
export { defaultDecode, defaultEncode } from './value-codec.js';
export {
  LegacyKeysCache,
  type LegacyKeysOptions,
  type WrappableCache,
  withLegacyKeys,
} from './with-legacy-keys.js';
