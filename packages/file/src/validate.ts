/** Argument checks of the store's public methods (they reject, never throw synchronously): core's store checks. */
export {
  assertStoreEntry as assertEntry,
  assertStoreKey as assertKey,
  assertStoreKeys as assertKeys,
  assertStoreNamespace as assertNamespace,
  assertStoreTags as assertTags,
  assertStoreTtl as assertTtl,
  assertStoreValue as assertValue,
} from '@cachestack/core';
