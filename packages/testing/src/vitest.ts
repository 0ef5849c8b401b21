import { afterAll, beforeAll, describe, it } from 'vitest';
import { type BoundStoreContract, storeContractFor } from './contract/describe-store-contract.js';

/**
 * The store contract suite wired to vitest
 * (`import { describeStoreContract } from '@cachestack/testing/vitest'`); see the main
 * entry's `describeStoreContract` for the options.
 */
export const describeStoreContract: BoundStoreContract = storeContractFor({
  describe,
  it,
  beforeAll,
  afterAll,
});
