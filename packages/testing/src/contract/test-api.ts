import { createRequire } from 'node:module';
import { InvalidOptionError } from '@cachestack/core';

/** A test body: may be async. */
export type TestBody = () => void | Promise<void>;

/**
 * The few functions of a test runner the contract suite needs. vitest, node:test, jest and
 * mocha all have this shape: pass their functions in (`{ describe, it, beforeAll, afterAll }`
 * from vitest, `{ describe, it, before, after }` from `node:test`).
 */
export interface TestApi {
  /** Groups tests. */
  describe(name: string, body: () => void): unknown;
  /** Declares one test. */
  it(name: string, body: TestBody): unknown;
  /** Runs once before the tests of the enclosing group (vitest, jest). */
  beforeAll?(body: TestBody): unknown;
  /** Runs once after the tests of the enclosing group (vitest, jest). */
  afterAll?(body: TestBody): unknown;
  /** Runs once before the tests of the enclosing group (node:test, mocha). */
  before?(body: TestBody): unknown;
  /** Runs once after the tests of the enclosing group (node:test, mocha). */
  after?(body: TestBody): unknown;
}

/** A {@link TestApi} with its once-per-group hooks resolved. */
export interface ResolvedTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: TestBody): void;
  beforeAll(body: TestBody): void;
  afterAll(body: TestBody): void;
}

function isTestApi(value: unknown): value is TestApi {
  if (typeof value !== 'object' && typeof value !== 'function') return false;
  if (value === null) return false;
  const api = value as Record<string, unknown>;
  return typeof api.describe === 'function' && typeof api.it === 'function';
}

/**
 * Resolves the runner: the API passed in; else test globals (vitest `globals: true`, jest,
 * mocha); else `node:test` when not running under vitest.
 */
export function resolveTestApi(api: TestApi | undefined): ResolvedTestApi {
  let chosen: TestApi;
  const globals: unknown = globalThis;
  if (api !== undefined) {
    if (!isTestApi(api)) {
      throw new InvalidOptionError('test', 'must hold describe() and it() functions');
    }
    chosen = api;
  } else if (isTestApi(globals) && hasHooks(globals)) {
    chosen = globals;
  } else if (process.env.VITEST !== undefined) {
    throw new InvalidOptionError(
      'test',
      "running under vitest without test globals: import describeStoreContract from '@cachestack/testing/vitest', or pass { test: { describe, it, beforeAll, afterAll } }",
    );
  } else {
    // node:test is a builtin: loading it synchronously costs nothing and needs no dependency.
    chosen = createRequire(import.meta.url)('node:test') as TestApi;
  }
  const beforeAll = chosen.beforeAll ?? chosen.before;
  const afterAll = chosen.afterAll ?? chosen.after;
  if (typeof beforeAll !== 'function' || typeof afterAll !== 'function') {
    throw new InvalidOptionError(
      'test',
      'must hold beforeAll()/afterAll() (vitest, jest) or before()/after() (node:test, mocha)',
    );
  }
  return {
    describe: (name, body) => {
      chosen.describe(name, body);
    },
    it: (name, body) => {
      chosen.it(name, body);
    },
    beforeAll: (body) => {
      beforeAll.call(chosen, body);
    },
    afterAll: (body) => {
      afterAll.call(chosen, body);
    },
  };
}

function hasHooks(api: TestApi): boolean {
  return (
    typeof (api.beforeAll ?? api.before) === 'function' &&
    typeof (api.afterAll ?? api.after) === 'function'
  );
}
