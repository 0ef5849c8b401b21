import { after, before, describe, it } from 'node:test';
import type { StoreFactory } from './contract/context.js';
import {
  describeStoreContract as describeWith,
  type StoreContractOptions,
} from './contract/describe-store-contract.js';

/**
 * {@link describeWith | describeStoreContract} wired to `node:test`
 * (`import { describeStoreContract } from '@cachestack/testing/node-test'`).
 */
export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  options: Omit<StoreContractOptions, 'test'> = {},
): void {
  describeWith(name, factory, { ...options, test: { describe, it, before, after } });
}
