import { AssertionError } from 'node:assert';
import type { RemoteStore } from '@cachestack/core';
import { show } from './assertions.js';
import type { ResolvedTestApi, TestBody } from './test-api.js';

/** What a store factory hands to the contract suite. */
export interface StoreUnderTest {
  /** A ready store; the suite closes it only where it says so. */
  readonly store: RemoteStore;
  /**
   * Removes everything the store wrote (keys, files) and closes what the factory opened.
   * Must work after the store was closed.
   */
  cleanup(): Promise<void>;
}

/**
 * Creates a fresh store (its own prefix or directory). It may return the store itself
 * (cleanup is then `close()`) or a {@link StoreUnderTest}.
 */
export type StoreFactory = () =>
  | RemoteStore
  | StoreUnderTest
  | Promise<RemoteStore | StoreUnderTest>;

/** What a concern file gets to declare its tests. */
export interface ContractContext {
  /** The store of the running suite (created in `beforeAll`). */
  store(): RemoteStore;
  /** A namespace no other test of this run uses. */
  ns(): string;
  /** A fresh store of its own, for tests that close it. */
  fresh(): Promise<StoreUnderTest>;
  /** Declares a test; a failure names the store, the concern and the broken rule. */
  it(title: string, body: TestBody): void;
  /** The TTL of the expiry test, in ms. */
  readonly shortTtlMs: number;
  /** Lets `ms` pass for the store (its injected clock, or one real wait). */
  pass(ms: number): Promise<void>;
  /** Whether the store's clock is driven by the suite. */
  readonly clockDriven: boolean;
  /** Whether fences are per key and per tag. */
  readonly preciseFences: boolean;
}

/** Resolves a factory's result into a {@link StoreUnderTest}. */
export async function open(factory: StoreFactory): Promise<StoreUnderTest> {
  const made = await factory();
  if (typeof made === 'object' && made !== null && 'store' in made && 'cleanup' in made) {
    return made;
  }
  const store = made as RemoteStore;
  return { store, cleanup: () => store.close() };
}

/**
 * Turns whatever a test threw into one readable contract violation:
 * `<store> breaks the RemoteStore contract (<concern> › <rule>): <what happened>`.
 */
export function violation(storeName: string, where: string, error: unknown): Error {
  const head = `${storeName} breaks the RemoteStore contract (${where})`;
  if (error instanceof AssertionError) {
    const wrapped = new AssertionError({
      message: `${head}: ${error.message}`,
      actual: error.actual,
      expected: error.expected,
      operator: error.operator,
    });
    wrapped.stack = `${wrapped.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
    return wrapped;
  }
  return new AssertionError({
    message: `${head}: a store call failed unexpectedly with ${show(error)}`,
    actual: error,
    expected: 'no error',
    operator: 'fails',
  });
}

/** The tests of one concern. */
export type ContractConcernTests = (context: ContractContext) => void;

/** Builds the per-concern `it` that names its violations. */
export function namedIt(
  api: ResolvedTestApi,
  storeName: string,
  concern: string,
): (title: string, body: TestBody) => void {
  return (title, body) => {
    api.it(title, async () => {
      try {
        await body();
      } catch (error) {
        throw violation(storeName, `${concern} › ${title}`, error);
      }
    });
  };
}
