export { ChaosStore, chaosStore } from './chaos-store.js';
export type {
  ChaosStoreCounters,
  ChaosStoreOptions,
  Corruption,
} from './chaos-store-options.js';
export type { StoreFactory, StoreUnderTest } from './contract/context.js';
export {
  CONTRACT_CONCERNS,
  type ContractConcern,
  describeStoreContract,
  type StoreContractOptions,
} from './contract/describe-store-contract.js';
export type { TestApi, TestBody } from './contract/test-api.js';
export { type FakeClock, type FakeClockOptions, fakeClock } from './fake-clock.js';
export { type Latency, type Random, seededRandom } from './random.js';
