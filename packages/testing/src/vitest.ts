import { afterAll, beforeAll, describe, it } from 'vitest';
import type { StoreFactory } from './contract/context.js';
import {
  describeStoreContract as describeWith,
  type StoreContractOptions,
} from './contract/describe-store-contract.js';

/**
 * {@link describeWith | describeStoreContract} wired to vitest
 * (`import { describeStoreContract } from '@cachestack/testing/vitest'`).
 */
export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  options: Omit<StoreContractOptions, 'test'> = {},
): void {
  describeWith(name, factory, { ...options, test: { describe, it, beforeAll, afterAll } });
}
