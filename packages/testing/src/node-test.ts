import { after, before, describe, it } from 'node:test';
import { type BoundStoreContract, storeContractFor } from './contract/describe-store-contract.js';

/**
 * The store contract suite wired to `node:test`
 * (`import { describeStoreContract } from '@cachestack/testing/node-test'`); see the main
 * entry's `describeStoreContract` for the options.
 */
export const describeStoreContract: BoundStoreContract = storeContractFor({
  describe,
  it,
  before,
  after,
});
