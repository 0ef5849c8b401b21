export { fileChannels } from './channels.js';
export {
  FileLockTimeoutError,
  FileStoreError,
  type FileStoreErrorOptions,
} from './errors.js';
export type {
  FileStoreEventMap,
  FileStoreEventName,
  FileStoreStats,
} from './file-events.js';
export { FileStore, fileStore } from './file-store.js';
export type { Durability, FileStoreOptions } from './options.js';
export type { SweepReport } from './sweep.js';
