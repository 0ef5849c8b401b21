import { randomBytes } from 'node:crypto';
import { InvalidOptionError, type RemoteStore } from '@cachestack/core';
import { batchTests } from './batches.js';
import { closeTests } from './close.js';
import {
  type ContractConcernTests,
  type ContractContext,
  namedIt,
  open,
  type StoreFactory,
  type StoreUnderTest,
} from './context.js';
import { deleteTests } from './deletes.js';
import { fenceTests } from './fences.js';
import { tagTests } from './tags.js';
import { resolveTestApi, type TestApi } from './test-api.js';
import { ttlTests } from './ttl.js';
import { validationTests } from './validation.js';
import { valueTests } from './values.js';

/** The groups of the contract, one file each. */
export type ContractConcern =
  | 'values'
  | 'ttl'
  | 'batches'
  | 'deletes'
  | 'tags'
  | 'fences'
  | 'validation'
  | 'close';

const CONCERNS: Readonly<Record<ContractConcern, ContractConcernTests>> = {
  values: valueTests,
  ttl: ttlTests,
  batches: batchTests,
  deletes: deleteTests,
  tags: tagTests,
  fences: fenceTests,
  validation: validationTests,
  close: closeTests,
};

/** Every concern, in the order the suite runs them. */
export const CONTRACT_CONCERNS: readonly ContractConcern[] = Object.freeze(
  Object.keys(CONCERNS) as ContractConcern[],
);

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * The test runner's functions. Under vitest use `@cachestack/testing/vitest`, under
   * node:test `@cachestack/testing/node-test`, or pass them here.
   * @defaultValue test globals when present, else `node:test` (outside vitest)
   */
  readonly test?: TestApi;
  /**
   * The concerns to run (for a store that is still being written).
   * @defaultValue every concern
   */
  readonly concerns?: readonly ContractConcern[];
  /**
   * Whether fences are per key and per tag (an invalidation of key A does not fence a
   * conditional write of key B). A store with namespace-wide fences is still correct (it
   * only writes less); it sets this to `false` to skip the precision tests.
   * @defaultValue true
   */
  readonly preciseFences?: boolean;
  /**
   * TTL of the expiry test, in ms.
   * @defaultValue 50
   */
  readonly shortTtlMs?: number;
  /**
   * Moves the store's clock forward by `ms` (e.g. `(ms) => clock.advance(ms)` with the
   * `fakeClock()` the factory gave the store). With it the TTL tests never wait; without
   * it the expiry test waits once, `shortTtlMs` plus a margin, in real time.
   */
  readonly advanceTime?: (ms: number) => void | Promise<void>;
}

/** Real-time margin past a TTL before the expiry is checked (timers may fire early). */
const EXPIRY_MARGIN_MS = 25;

function checkOptions(options: StoreContractOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object');
  }
  const { concerns, shortTtlMs, advanceTime } = options;
  if (concerns !== undefined) {
    if (!Array.isArray(concerns) || concerns.some((c) => !Object.hasOwn(CONCERNS, c))) {
      throw new InvalidOptionError('concerns', `must list some of ${CONTRACT_CONCERNS.join(', ')}`);
    }
  }
  if (shortTtlMs !== undefined && (!Number.isInteger(shortTtlMs) || shortTtlMs < 1)) {
    throw new InvalidOptionError('shortTtlMs', 'must be an integer >= 1');
  }
  if (advanceTime !== undefined && typeof advanceTime !== 'function') {
    throw new InvalidOptionError('advanceTime', 'must be a function');
  }
}

/**
 * Declares the behaviour every {@link RemoteStore} must show, as one test group named
 * `RemoteStore contract: <name>` with one sub-group per concern. Call it at the top level
 * of a test file. A store that breaks a rule fails with a message naming the store, the
 * concern, the rule and the call, e.g. `my store breaks the RemoteStore contract
 * (fences › skips a write whose key was deleted after the fence was read): a conditional
 * write with a fence read before delete(ns, 'k') gave "written", expected "fenced"`.
 *
 * Error codes expected on bad input: `CACHESTACK_INVALID_KEY` (namespace, key, key list,
 * tag), `CACHESTACK_INVALID_OPTION` (`ttlMs`, value, options object), `CACHESTACK_CLOSED`
 * after `close()`.
 *
 * @param name - Shown in the report, e.g. `redis standalone`.
 * @param factory - Creates a fresh store; called once for the suite and once more for the
 *   close test.
 * @throws InvalidOptionError when an option is malformed or no test runner is found.
 */
export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  options: StoreContractOptions = {},
): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError('name', 'must be a non-empty string');
  }
  if (typeof factory !== 'function') {
    throw new InvalidOptionError('factory', 'must be a function creating a store');
  }
  checkOptions(options);
  const api = resolveTestApi(options.test);
  const advance = options.advanceTime;
  const run = `${randomBytes(3).toString('hex')}`;
  let subject: StoreUnderTest | undefined;
  let counter = 0;

  const base = {
    store(): RemoteStore {
      if (subject === undefined) throw new Error('the store factory did not produce a store');
      return subject.store;
    },
    ns: () => `contract-${run}-${++counter}`,
    fresh: () => open(factory),
    shortTtlMs: options.shortTtlMs ?? 50,
    clockDriven: advance !== undefined,
    preciseFences: options.preciseFences ?? true,
    async pass(ms: number): Promise<void> {
      if (advance) await advance(ms + 1);
      else await new Promise((resolve) => setTimeout(resolve, ms + EXPIRY_MARGIN_MS));
    },
  };

  api.describe(`RemoteStore contract: ${name}`, () => {
    api.beforeAll(async () => {
      subject = await open(factory);
    });
    api.afterAll(async () => {
      await subject?.cleanup();
    });
    for (const concern of options.concerns ?? CONTRACT_CONCERNS) {
      const context: ContractContext = { ...base, it: namedIt(api, name, concern) };
      api.describe(concern, () => CONCERNS[concern](context));
    }
  });
}

/** {@link describeStoreContract} with its runner fixed. */
export type BoundStoreContract = (
  name: string,
  factory: StoreFactory,
  options?: Omit<StoreContractOptions, 'test'>,
) => void;

/** Binds {@link describeStoreContract} to one test runner (the `/vitest` and `/node-test` entries). */
export function storeContractFor(test: TestApi): BoundStoreContract {
  return (name, factory, options = {}) =>
    describeStoreContract(name, factory, { ...options, test });
}
