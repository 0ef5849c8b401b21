export {
  ChaosBus,
  type ChaosBusCounters,
  type ChaosBusOptions,
  chaosBus,
} from './chaos-bus.js';
export { ChaosStore, chaosStore } from './chaos-store.js';
export type {
  ChaosStoreCounters,
  ChaosStoreOptions,
  Corruption,
} from './chaos-store-options.js';
export {
  type CoherenceProbeOptions,
  type CoherenceReport,
  coherenceProbe,
  type ProbedCache,
  type StaleRead,
} from './coherence-probe.js';
export type { StoreFactory, StoreUnderTest } from './contract/context.js';
export {
  type BoundStoreContract,
  CONTRACT_CONCERNS,
  type ContractConcern,
  describeStoreContract,
  type StoreContractOptions,
  storeContractFor,
} from './contract/describe-store-contract.js';
export type { TestApi, TestBody } from './contract/test-api.js';
export { type FakeClock, type FakeClockOptions, fakeClock } from './fake-clock.js';
export { type Latency, type Random, seededRandom } from './random.js';
