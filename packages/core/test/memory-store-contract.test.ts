// The built package (self-reference), so errors come from the same module instance the
// contract suite checks against.
import { MemoryStore } from '@cachestack/core';
import { runStoreContract } from '../../test-suite/src/store-contract.js';

runStoreContract('memory store', async () => {
  const store = new MemoryStore();
  return { store, cleanup: async () => {} };
});
