import { randomBytes } from 'node:crypto';
import { CacheStackError, type RemoteStore } from '@cachestack/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What a store factory hands to {@link runStoreContract}. */
export interface StoreUnderTest {
  /** A ready store; the suite may close it only where it says so. */
  readonly store: RemoteStore;
  /**
   * Removes everything the store wrote (keys, files) and closes what the factory opened.
   * Must work after the store was closed.
   */
  cleanup(): Promise<void>;
}

/** Options of {@link runStoreContract}. */
export interface StoreContractOptions {
  /**
   * TTL used by the expiry test, in ms: the entry must be gone within
   * `expiryDeadlineMs` after it was written.
   * @defaultValue 50
   */
  readonly shortTtlMs?: number;
  /**
   * How long the expiry test polls before it fails, in ms.
   * @defaultValue 3000
   */
  readonly expiryDeadlineMs?: number;
  /**
   * Whether fences are per key and per tag (an invalidation of key A does not fence a
   * conditional write of key B). A store with namespace-wide fences is still correct
   * (it only writes less); it sets this to `false` to skip the precision tests.
   * @defaultValue true
   */
  readonly preciseFences?: boolean;
}

const INVALID_KEY = 'CACHESTACK_INVALID_KEY';
const INVALID_OPTION = 'CACHESTACK_INVALID_OPTION';

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Asserts that `actual` holds exactly the bytes of `expected` (cheap on large payloads). */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual!.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength).equals(expected)).toBe(
    true,
  );
}

/**
 * Calls `fn`, which must return a promise that rejects (a store never throws
 * synchronously), and returns the rejection reason.
 */
async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = fn();
  } catch (error) {
    throw new Error(`threw synchronously instead of rejecting: ${String(error)}`);
  }
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('resolved instead of rejecting');
}

async function expectCode(fn: () => Promise<unknown>, code: string): Promise<void> {
  const error = await rejectionOf(fn);
  expect(error).toBeInstanceOf(CacheStackError);
  expect((error as CacheStackError).code).toBe(code);
}

/**
 * The behaviour every {@link RemoteStore} must show. Call it at the top level of a
 * vitest test file; it defines a `describe` block named after the store.
 *
 * Error codes the suite expects on bad input: `CACHESTACK_INVALID_KEY` for a bad
 * namespace, key, key list or tag; `CACHESTACK_INVALID_OPTION` for a bad `ttlMs`,
 * value or options object; `CACHESTACK_CLOSED` after `close()`.
 *
 * @param name - Shown in the test report, e.g. `redis standalone`.
 * @param factory - Creates a fresh store (with its own prefix or directory).
 */
export function runStoreContract(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  const shortTtlMs = options.shortTtlMs ?? 50;
  const expiryDeadlineMs = options.expiryDeadlineMs ?? 3000;
  const precise = options.preciseFences ?? true;

  describe(`RemoteStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: RemoteStore;
    let counter = 0;
    /** A namespace no other test uses. */
    const ns = () => `contract-${++counter}`;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    it('has a non-empty name', () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    describe('values', () => {
      it('round-trips every byte value', async () => {
        const n = ns();
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        await expect(store.set(n, 'all', all, { ttlMs: 60_000 })).resolves.toBe('written');
        expectBytes(await store.get(n, 'all'), all);
      });

      it('round-trips an empty payload as an empty value, not a miss', async () => {
        const n = ns();
        await store.set(n, 'empty', new Uint8Array(0), { ttlMs: 60_000 });
        expectBytes(await store.get(n, 'empty'), new Uint8Array(0));
        await expect(store.has(n, 'empty')).resolves.toBe(true);
      });

      it('round-trips a 1 MB payload', async () => {
        const n = ns();
        const big = new Uint8Array(randomBytes(1024 * 1024));
        await store.set(n, 'big', big, { ttlMs: 60_000 });
        expectBytes(await store.get(n, 'big'), big);
      });

      it('stores a view of a larger buffer as exactly the viewed bytes', async () => {
        const n = ns();
        const backing = Uint8Array.from([9, 9, 1, 2, 3, 9, 9]);
        await store.set(n, 'view', backing.subarray(2, 5), { ttlMs: 60_000 });
        expectBytes(await store.get(n, 'view'), bytes(1, 2, 3));
      });

      it('keeps keys with unusual characters apart', async () => {
        const n = ns();
        const keys = ['a:b', 'a', 'a*', 'ü/ñ {x}', 'k:1', ' spaced key '];
        for (const [i, key] of keys.entries()) {
          await store.set(n, key, bytes(i), { ttlMs: 60_000 });
        }
        for (const [i, key] of keys.entries()) expectBytes(await store.get(n, key), bytes(i));
      });

      it('overwrites a value', async () => {
        const n = ns();
        await store.set(n, 'k', text('one'), { ttlMs: 60_000 });
        await store.set(n, 'k', text('two'), { ttlMs: 60_000 });
        expectBytes(await store.get(n, 'k'), text('two'));
      });

      it('answers a missing key with undefined from get, false from has, undefined from ttl', async () => {
        const n = ns();
        await expect(store.get(n, 'missing')).resolves.toBeUndefined();
        await expect(store.has(n, 'missing')).resolves.toBe(false);
        await expect(store.ttl(n, 'missing')).resolves.toBeUndefined();
      });
    });

    describe('ttl', () => {
      it('reports a remaining ttl within (0, ttlMs]', async () => {
        const n = ns();
        await store.set(n, 'k', text('v'), { ttlMs: 60_000 });
        const ttl = await store.ttl(n, 'k');
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
        expect(ttl).toBeGreaterThan(50_000);
      });

      it('replaces the ttl on overwrite', async () => {
        const n = ns();
        await store.set(n, 'k', text('v'), { ttlMs: 600_000 });
        await store.set(n, 'k', text('v'), { ttlMs: 10_000 });
        const ttl = await store.ttl(n, 'k');
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(10_000);
      });

      it('expires an entry after its ttl', async () => {
        const n = ns();
        await store.set(n, 'short', text('v'), { ttlMs: shortTtlMs });
        await store.set(n, 'long', text('v'), { ttlMs: 60_000 });
        const ttl = await store.ttl(n, 'short');
        if (ttl !== undefined) expect(ttl).toBeLessThanOrEqual(shortTtlMs);
        const deadline = Date.now() + expiryDeadlineMs;
        let value = await store.get(n, 'short');
        while (value !== undefined && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          value = await store.get(n, 'short');
        }
        expect(value).toBeUndefined();
        await expect(store.has(n, 'short')).resolves.toBe(false);
        await expect(store.ttl(n, 'short')).resolves.toBeUndefined();
        await expect(store.has(n, 'long')).resolves.toBe(true);
      });
    });

    describe('batches', () => {
      it('getMany answers in key order with undefined for misses', async () => {
        const n = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000 });
        await store.set(n, 'c', text('C'), { ttlMs: 60_000 });
        const values = await store.getMany(n, ['c', 'b', 'a', 'c']);
        expect(values).toHaveLength(4);
        expectBytes(values[0], text('C'));
        expect(values[1]).toBeUndefined();
        expectBytes(values[2], text('A'));
        expectBytes(values[3], text('C'));
      });

      it('getMany and setMany accept empty lists', async () => {
        const n = ns();
        await expect(store.getMany(n, [])).resolves.toEqual([]);
        await expect(store.setMany(n, [])).resolves.toEqual([]);
        await expect(store.deleteMany(n, [])).resolves.toBe(0);
        await expect(store.deleteByTag(n, [])).resolves.toBe(0);
      });

      it('setMany writes every entry with its own ttl and reports one outcome per entry', async () => {
        const n = ns();
        const outcomes = await store.setMany(n, [
          { key: 'a', value: text('A'), ttlMs: 60_000 },
          { key: 'b', value: text('B'), ttlMs: 5_000, tags: ['t'] },
        ]);
        expect(outcomes).toEqual(['written', 'written']);
        const [a, b] = await store.getMany(n, ['a', 'b']);
        expectBytes(a, text('A'));
        expectBytes(b, text('B'));
        expect(await store.ttl(n, 'a')).toBeGreaterThan(5_000);
        const ttlB = await store.ttl(n, 'b');
        expect(ttlB).toBeGreaterThan(0);
        expect(ttlB).toBeLessThanOrEqual(5_000);
        await expect(store.deleteByTag(n, ['t'])).resolves.toBe(1);
        await expect(store.has(n, 'a')).resolves.toBe(true);
      });

      it('round-trips a batch of 1000 entries', async () => {
        const n = ns();
        const entries = Array.from({ length: 1000 }, (_, i) => ({
          key: `k${i}`,
          value: text(`v${i}`),
          ttlMs: 60_000,
        }));
        const outcomes = await store.setMany(n, entries);
        expect(outcomes.every((o) => o === 'written')).toBe(true);
        const values = await store.getMany(
          n,
          entries.map((e) => e.key),
        );
        values.forEach((v, i) => {
          expectBytes(v, text(`v${i}`));
        });
      });
    });

    describe('deletes', () => {
      it('has tells present from absent', async () => {
        const n = ns();
        await store.set(n, 'k', text('v'), { ttlMs: 60_000 });
        await expect(store.has(n, 'k')).resolves.toBe(true);
        await expect(store.has(n, 'other')).resolves.toBe(false);
      });

      it('delete resolves true when the key existed and false after', async () => {
        const n = ns();
        await store.set(n, 'k', text('v'), { ttlMs: 60_000 });
        await expect(store.delete(n, 'k')).resolves.toBe(true);
        await expect(store.get(n, 'k')).resolves.toBeUndefined();
        await expect(store.delete(n, 'k')).resolves.toBe(false);
      });

      it('deleteMany resolves the number of keys that existed', async () => {
        const n = ns();
        await store.setMany(n, [
          { key: 'a', value: text('A'), ttlMs: 60_000 },
          { key: 'b', value: text('B'), ttlMs: 60_000 },
          { key: 'c', value: text('C'), ttlMs: 60_000 },
        ]);
        await expect(store.deleteMany(n, ['a', 'missing', 'b'])).resolves.toBe(2);
        expect(await store.getMany(n, ['a', 'b'])).toEqual([undefined, undefined]);
        await expect(store.has(n, 'c')).resolves.toBe(true);
      });

      it('deleteByTag removes exactly the tagged entries', async () => {
        const n = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000, tags: ['t1'] });
        await store.set(n, 'b', text('B'), { ttlMs: 60_000, tags: ['t1', 't2'] });
        await store.set(n, 'c', text('C'), { ttlMs: 60_000, tags: ['t2'] });
        await store.set(n, 'd', text('D'), { ttlMs: 60_000 });
        await expect(store.deleteByTag(n, ['t1'])).resolves.toBe(2);
        expect(await store.getMany(n, ['a', 'b'])).toEqual([undefined, undefined]);
        await expect(store.has(n, 'c')).resolves.toBe(true);
        await expect(store.has(n, 'd')).resolves.toBe(true);
        await expect(store.deleteByTag(n, ['t2'])).resolves.toBe(1);
        await expect(store.has(n, 'c')).resolves.toBe(false);
        await expect(store.has(n, 'd')).resolves.toBe(true);
        await expect(store.deleteByTag(n, ['unknown'])).resolves.toBe(0);
      });

      it('deleteByTag with several tags deletes their union and counts each entry once', async () => {
        const n = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000, tags: ['x'] });
        await store.set(n, 'b', text('B'), { ttlMs: 60_000, tags: ['x', 'y'] });
        await store.set(n, 'c', text('C'), { ttlMs: 60_000, tags: ['y'] });
        await store.set(n, 'd', text('D'), { ttlMs: 60_000, tags: ['z'] });
        await expect(store.deleteByTag(n, ['x', 'y'])).resolves.toBe(3);
        await expect(store.has(n, 'd')).resolves.toBe(true);
      });

      it('deleteByTag does not count tagged entries that already expired or were deleted', async () => {
        const n = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000, tags: ['t'] });
        await store.set(n, 'b', text('B'), { ttlMs: 60_000, tags: ['t'] });
        await store.delete(n, 'a');
        await expect(store.deleteByTag(n, ['t'])).resolves.toBe(1);
      });

      it('clear removes every entry of the namespace and nothing else', async () => {
        const n = ns();
        const other = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000, tags: ['t'] });
        await store.set(n, 'b', text('B'), { ttlMs: 60_000 });
        await store.set(other, 'a', text('other A'), { ttlMs: 60_000, tags: ['t'] });
        await store.clear(n);
        expect(await store.getMany(n, ['a', 'b'])).toEqual([undefined, undefined]);
        expectBytes(await store.get(other, 'a'), text('other A'));
        await expect(store.deleteByTag(other, ['t'])).resolves.toBe(1);
      });

      it('a cleared namespace works as before', async () => {
        const n = ns();
        await store.set(n, 'a', text('A'), { ttlMs: 60_000, tags: ['t'] });
        await store.clear(n);
        await expect(store.deleteByTag(n, ['t'])).resolves.toBe(0);
        await store.set(n, 'a', text('A2'), { ttlMs: 60_000, tags: ['t'] });
        expectBytes(await store.get(n, 'a'), text('A2'));
        await expect(store.deleteByTag(n, ['t'])).resolves.toBe(1);
        await store.clear(n);
        await store.clear(n);
      });

      it('keeps namespaces isolated', async () => {
        const n1 = ns();
        const n2 = ns();
        await store.set(n1, 'k', text('one'), { ttlMs: 60_000, tags: ['t'] });
        await store.set(n2, 'k', text('two'), { ttlMs: 60_000, tags: ['t'] });
        expectBytes(await store.get(n1, 'k'), text('one'));
        expectBytes(await store.get(n2, 'k'), text('two'));
        await expect(store.deleteByTag(n1, ['t'])).resolves.toBe(1);
        expectBytes(await store.get(n2, 'k'), text('two'));
        await store.set(n1, 'k', text('one'), { ttlMs: 60_000 });
        await expect(store.delete(n2, 'k')).resolves.toBe(true);
        expectBytes(await store.get(n1, 'k'), text('one'));
      });
    });

    describe('fenced writes', () => {
      it('reads a value and a fence in one call', async () => {
        const n = ns();
        await store.set(n, 'k', text('v'), { ttlMs: 60_000 });
        const read = await store.getWithFence(n, 'k');
        expectBytes(read.value, text('v'));
        expect(typeof read.fence).toBe('string');
        const miss = await store.getWithFence(n, 'missing');
        expect(miss.value).toBeUndefined();
        expect(typeof miss.fence).toBe('string');
      });

      it('reads many values in order and one fence', async () => {
        const n = ns();
        await store.set(n, 'b', text('B'), { ttlMs: 60_000 });
        const read = await store.getManyWithFence(n, ['a', 'b']);
        expect(read.values[0]).toBeUndefined();
        expectBytes(read.values[1], text('B'));
        expect(typeof read.fence).toBe('string');
        const empty = await store.getManyWithFence(n, []);
        expect(empty.values).toEqual([]);
      });

      it('writes when nothing invalidated the key since the fence was read', async () => {
        const n = ns();
        const { fence } = await store.getWithFence(n, 'k');
        await expect(store.set(n, 'k', text('loaded'), { ttlMs: 60_000, fence })).resolves.toBe(
          'written',
        );
        expectBytes(await store.get(n, 'k'), text('loaded'));
        const ttl = await store.ttl(n, 'k');
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      });

      it('skips a write whose key was deleted after the fence was read', async () => {
        const n = ns();
        await store.set(n, 'k', text('old'), { ttlMs: 60_000 });
        const { fence } = await store.getWithFence(n, 'k');
        await store.delete(n, 'k');
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
        await expect(store.get(n, 'k')).resolves.toBeUndefined();
      });

      it('skips a write whose key was deleted, even when it was absent', async () => {
        const n = ns();
        const { fence } = await store.getWithFence(n, 'k');
        await expect(store.delete(n, 'k')).resolves.toBe(false);
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
        await expect(store.has(n, 'k')).resolves.toBe(false);
      });

      it('skips a write whose key was deleted by deleteMany', async () => {
        const n = ns();
        const { fence } = await store.getWithFence(n, 'k');
        await store.deleteMany(n, ['x', 'k']);
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
      });

      it('skips a write whose key was set unconditionally after the fence was read', async () => {
        const n = ns();
        const { fence } = await store.getWithFence(n, 'k');
        await store.set(n, 'k', text('fresh'), { ttlMs: 60_000 });
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
        expectBytes(await store.get(n, 'k'), text('fresh'));
      });

      it('skips a write whose key was set by an unconditional setMany', async () => {
        const n = ns();
        const { fence } = await store.getWithFence(n, 'k');
        await store.setMany(n, [{ key: 'k', value: text('fresh'), ttlMs: 60_000 }]);
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
        expectBytes(await store.get(n, 'k'), text('fresh'));
      });

      it('skips a write carrying a tag invalidated after the fence was read', async () => {
        const n = ns();
        await store.set(n, 'k', text('old'), { ttlMs: 60_000, tags: ['t'] });
        const { fence } = await store.getWithFence(n, 'k');
        await store.deleteByTag(n, ['t']);
        await expect(
          store.set(n, 'k', text('stale'), { ttlMs: 60_000, tags: ['t'], fence }),
        ).resolves.toBe('fenced');
        await expect(store.has(n, 'k')).resolves.toBe(false);
        // A tag invalidated while no entry carried it still fences its writers.
        const second = await store.getWithFence(n, 'j');
        await expect(store.deleteByTag(n, ['u'])).resolves.toBe(0);
        await expect(
          store.set(n, 'j', text('stale'), { ttlMs: 60_000, tags: ['u'], fence: second.fence }),
        ).resolves.toBe('fenced');
      });

      it('skips a write whose namespace was cleared after the fence was read', async () => {
        const n = ns();
        await store.set(n, 'k', text('old'), { ttlMs: 60_000 });
        const { fence } = await store.getWithFence(n, 'k');
        await store.clear(n);
        await expect(store.set(n, 'k', text('stale'), { ttlMs: 60_000, fence })).resolves.toBe(
          'fenced',
        );
        await expect(store.has(n, 'k')).resolves.toBe(false);
      });

      it('writes with a fence read after the invalidation', async () => {
        const n = ns();
        await store.set(n, 'k', text('old'), { ttlMs: 60_000, tags: ['t'] });
        await store.delete(n, 'k');
        await store.deleteByTag(n, ['t']);
        await store.clear(n);
        const { fence } = await store.getWithFence(n, 'k');
        await expect(
          store.set(n, 'k', text('new'), { ttlMs: 60_000, tags: ['t'], fence }),
        ).resolves.toBe('written');
        expectBytes(await store.get(n, 'k'), text('new'));
        await expect(store.deleteByTag(n, ['t'])).resolves.toBe(1);
      });

      it('a conditional write does not fence other conditional writes', async () => {
        const n = ns();
        const first = await store.getWithFence(n, 'k');
        const second = await store.getWithFence(n, 'k');
        await expect(
          store.set(n, 'k', text('one'), { ttlMs: 60_000, fence: first.fence, tags: ['t'] }),
        ).resolves.toBe('written');
        await expect(
          store.set(n, 'k', text('two'), { ttlMs: 60_000, fence: second.fence, tags: ['t'] }),
        ).resolves.toBe('written');
        expectBytes(await store.get(n, 'k'), text('two'));
        const third = await store.getManyWithFence(n, ['a', 'b']);
        await expect(
          store.setMany(
            n,
            [
              { key: 'a', value: text('A'), ttlMs: 60_000 },
              { key: 'b', value: text('B'), ttlMs: 60_000 },
            ],
            third.fence,
          ),
        ).resolves.toEqual(['written', 'written']);
        await expect(
          store.set(n, 'a', text('A2'), { ttlMs: 60_000, fence: third.fence }),
        ).resolves.toBe('written');
      });

      it('a fenced setMany skips the entries invalidated since the fence was read', async () => {
        const n = ns();
        const { fence } = await store.getManyWithFence(n, ['a', 'b']);
        await store.delete(n, 'a');
        const outcomes = await store.setMany(
          n,
          [
            { key: 'a', value: text('A'), ttlMs: 60_000 },
            { key: 'b', value: text('B'), ttlMs: 60_000 },
          ],
          fence,
        );
        expect(outcomes[0]).toBe('fenced');
        await expect(store.has(n, 'a')).resolves.toBe(false);
        if (precise) {
          expect(outcomes[1]).toBe('written');
          expectBytes(await store.get(n, 'b'), text('B'));
        }
      });

      it('a fenced setMany is skipped entirely after a clear', async () => {
        const n = ns();
        const { fence } = await store.getManyWithFence(n, ['a', 'b']);
        await store.clear(n);
        const outcomes = await store.setMany(
          n,
          [
            { key: 'a', value: text('A'), ttlMs: 60_000 },
            { key: 'b', value: text('B'), ttlMs: 60_000 },
          ],
          fence,
        );
        expect(outcomes).toEqual(['fenced', 'fenced']);
      });

      it.runIf(precise)('an invalidation of one key does not fence writes of others', async () => {
        const n = ns();
        const other = ns();
        const { fence } = await store.getWithFence(n, 'k');
        const otherFence = (await store.getWithFence(other, 'k')).fence;
        await store.delete(n, 'unrelated');
        await store.set(n, 'unrelated2', text('x'), { ttlMs: 60_000 });
        await store.deleteByTag(n, ['unrelated-tag']);
        await store.clear(ns());
        await store.delete(other, 'k');
        await expect(
          store.set(n, 'k', text('v'), { ttlMs: 60_000, tags: ['t'], fence }),
        ).resolves.toBe('written');
        await expect(
          store.set(other, 'j', text('v'), { ttlMs: 60_000, fence: otherFence }),
        ).resolves.toBe('written');
      });
    });

    describe('input validation', () => {
      const value = text('v');

      it('rejects a bad namespace with CACHESTACK_INVALID_KEY', async () => {
        await expectCode(() => store.get('', 'k'), INVALID_KEY);
        await expectCode(() => store.get(42 as unknown as string, 'k'), INVALID_KEY);
        await expectCode(() => store.set('', 'k', value, { ttlMs: 1000 }), INVALID_KEY);
        await expectCode(() => store.clear(''), INVALID_KEY);
      });

      it('rejects a bad key with CACHESTACK_INVALID_KEY', async () => {
        const n = ns();
        await expectCode(() => store.get(n, ''), INVALID_KEY);
        await expectCode(() => store.get(n, undefined as unknown as string), INVALID_KEY);
        await expectCode(() => store.has(n, ''), INVALID_KEY);
        await expectCode(() => store.ttl(n, ''), INVALID_KEY);
        await expectCode(() => store.delete(n, ''), INVALID_KEY);
        await expectCode(() => store.getWithFence(n, ''), INVALID_KEY);
        await expectCode(() => store.set(n, '', value, { ttlMs: 1000 }), INVALID_KEY);
        await expectCode(() => store.getMany(n, ['a', '']), INVALID_KEY);
        await expectCode(() => store.getMany(n, 'a' as unknown as string[]), INVALID_KEY);
        await expectCode(() => store.getManyWithFence(n, [1 as unknown as string]), INVALID_KEY);
        await expectCode(() => store.deleteMany(n, ['']), INVALID_KEY);
        await expectCode(() => store.setMany(n, [{ key: '', value, ttlMs: 1000 }]), INVALID_KEY);
      });

      it('rejects a bad tag with CACHESTACK_INVALID_KEY', async () => {
        const n = ns();
        await expectCode(() => store.set(n, 'k', value, { ttlMs: 1000, tags: [''] }), INVALID_KEY);
        await expectCode(
          () => store.set(n, 'k', value, { ttlMs: 1000, tags: 't' as unknown as string[] }),
          INVALID_KEY,
        );
        await expectCode(() => store.deleteByTag(n, ['']), INVALID_KEY);
        await expectCode(() => store.deleteByTag(n, 't' as unknown as string[]), INVALID_KEY);
      });

      it('rejects a bad ttl with CACHESTACK_INVALID_OPTION', async () => {
        const n = ns();
        for (const ttlMs of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, '100']) {
          await expectCode(
            () => store.set(n, 'k', value, { ttlMs: ttlMs as number }),
            INVALID_OPTION,
          );
          await expectCode(
            () => store.setMany(n, [{ key: 'k', value, ttlMs: ttlMs as number }]),
            INVALID_OPTION,
          );
        }
        await expectCode(
          () => store.set(n, 'k', value, undefined as unknown as { ttlMs: number }),
          INVALID_OPTION,
        );
      });

      it('rejects a value that is not a Uint8Array with CACHESTACK_INVALID_OPTION', async () => {
        const n = ns();
        for (const bad of ['text', null, undefined, 12, [1, 2]]) {
          await expectCode(
            () => store.set(n, 'k', bad as unknown as Uint8Array, { ttlMs: 1000 }),
            INVALID_OPTION,
          );
        }
        await expectCode(
          () =>
            store.setMany(n, [{ key: 'k', value: 'text' as unknown as Uint8Array, ttlMs: 1000 }]),
          INVALID_OPTION,
        );
      });

      it('writes nothing of a batch that holds an invalid entry', async () => {
        const n = ns();
        await expectCode(
          () =>
            store.setMany(n, [
              { key: 'good', value, ttlMs: 1000 },
              { key: 'bad', value, ttlMs: -5 },
            ]),
          INVALID_OPTION,
        );
        await expect(store.has(n, 'good')).resolves.toBe(false);
      });
    });

    describe('close', () => {
      it('rejects every operation with CACHESTACK_CLOSED after close, and close is idempotent', async () => {
        const own = await factory();
        const s = own.store;
        try {
          await s.set('closing', 'k', value(), { ttlMs: 60_000 });
          await s.close();
          await s.close();
          const closed = 'CACHESTACK_CLOSED';
          await expectCode(() => s.get('closing', 'k'), closed);
          await expectCode(() => s.getMany('closing', ['k']), closed);
          await expectCode(() => s.getWithFence('closing', 'k'), closed);
          await expectCode(() => s.getManyWithFence('closing', ['k']), closed);
          await expectCode(() => s.set('closing', 'k', value(), { ttlMs: 1000 }), closed);
          await expectCode(
            () => s.setMany('closing', [{ key: 'k', value: value(), ttlMs: 1000 }]),
            closed,
          );
          await expectCode(() => s.has('closing', 'k'), closed);
          await expectCode(() => s.ttl('closing', 'k'), closed);
          await expectCode(() => s.delete('closing', 'k'), closed);
          await expectCode(() => s.deleteMany('closing', ['k']), closed);
          await expectCode(() => s.deleteByTag('closing', ['t']), closed);
          await expectCode(() => s.clear('closing'), closed);
        } finally {
          await own.cleanup();
        }

        function value(): Uint8Array {
          return text('v');
        }
      });
    });
  });
}
