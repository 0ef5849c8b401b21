export {
  createKeyvStore,
  KeyvCacheStore,
  type KeyvStoreEntry,
  type KeyvStoreOptions,
} from './keyv-store.js';
