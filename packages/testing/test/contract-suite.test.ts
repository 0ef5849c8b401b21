import { MemoryStore } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../src/index.js';
import { fixtures, runNode, vitestBin } from './run-child.js';

// Child runs of the suite: a broken store must fail it with a message a store author can
// act on, under both runners; a correct store must pass under node:test.
describe('describeStoreContract', () => {
  it('fails a store that ignores fences under node:test, naming the store, the rule and the call', async () => {
    const run = await runNode([
      '--test',
      '--test-reporter=tap',
      'test/fixtures/node-test-broken.mjs',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      'fenceless store breaks the RemoteStore contract (fences › skips a write whose key was deleted after the fence was read): a conditional write with a fence read before delete(ns, \'k\') gave "written", expected "fenced"',
    );
    expect(run.output).toContain(
      "seconds-ttl store breaks the RemoteStore contract (ttl › reports a remaining ttl within (0, ttlMs]): ttl(ns, 'k') right after set with ttlMs 60000 gave 60, expected a number in (50000, 60000]",
    );
    // Rules the broken stores keep still pass: the failures are about the broken rule only.
    expect(run.output).toMatch(
      /ok \d+ - writes when nothing invalidated the key since the fence was read/,
    );
    expect(run.output).toMatch(/# fail 9\b/);
  });

  it('fails a store that ignores fences under vitest with the same message', async () => {
    const run = await runNode([
      vitestBin(),
      'run',
      '--root',
      fixtures,
      '--config',
      'vitest.fixture.config.ts',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      'fenceless store breaks the RemoteStore contract (fences › skips a write whose key was set unconditionally after the fence was read): a conditional write with a fence read before an unconditional set(ns, \'k\') gave "written", expected "fenced"',
    );
    expect(run.output).toMatch(/7 failed/);
  });

  it('passes the memory store under node:test, every concern', async () => {
    const run = await runNode([
      '--test',
      '--test-reporter=tap',
      'test/fixtures/node-test-memory.mjs',
    ]);
    expect(run.output).toMatch(/# fail 0\b/);
    expect(run.output).toMatch(/# pass 47\b/);
    for (const concern of [
      'values',
      'ttl',
      'batches',
      'deletes',
      'tags',
      'fences',
      'validation',
      'close',
    ]) {
      expect(run.output).toMatch(new RegExp(`# Subtest: ${concern}\\n`));
    }
    expect(run.code).toBe(0);
  });

  it('falls back to node:test from the main entry when no runner is passed outside vitest', async () => {
    const run = await runNode([
      '--test',
      '--test-reporter=tap',
      'test/fixtures/node-test-default.mjs',
    ]);
    expect(run.output).toMatch(/# pass 9\b/);
    expect(run.code).toBe(0);
  });

  it('rejects malformed options with a typed error before declaring tests', () => {
    const factory = () => new MemoryStore();
    expect(() => describeStoreContract('', factory)).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_INVALID_OPTION' }),
    );
    expect(() =>
      describeStoreContract('x', factory, {
        concerns: ['nope' as 'ttl'],
        test: { describe() {}, it() {} },
      }),
    ).toThrow(/concerns/);
    expect(() => describeStoreContract('x', factory, { test: { describe() {}, it() {} } })).toThrow(
      /beforeAll\(\)\/afterAll\(\)/,
    );
  });

  it('under vitest without globals and without a runner, points to the vitest entry', () => {
    expect(() => describeStoreContract('x', () => new MemoryStore())).toThrow(
      /@cachestack\/testing\/vitest/,
    );
  });
});
