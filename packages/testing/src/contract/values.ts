import { randomBytes } from 'node:crypto';
import { ofType, same, sameBytes, within } from './assertions.js';
import { bytes, LONG_TTL_MS, text } from './bytes.js';
import type { ContractContext } from './context.js';

const ttl = { ttlMs: LONG_TTL_MS };

/** Values: bytes in, the same bytes out; misses are `undefined`. */
export function valueTests({ it, store, ns }: ContractContext): void {
  it('has a non-empty name', () => {
    ofType('store.name', store().name, 'string');
    within('store.name.length', store().name.length, 0, Number.POSITIVE_INFINITY);
  });

  it('round-trips every byte value', async () => {
    const n = ns();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    same("set(ns, 'all', <256 bytes>)", await store().set(n, 'all', all, ttl), 'written');
    sameBytes("get(ns, 'all')", await store().get(n, 'all'), all);
  });

  it('round-trips an empty payload as an empty value, not a miss', async () => {
    const n = ns();
    await store().set(n, 'empty', new Uint8Array(0), ttl);
    sameBytes("get(ns, 'empty') after setting 0 bytes", await store().get(n, 'empty'), bytes());
    same("has(ns, 'empty') after setting 0 bytes", await store().has(n, 'empty'), true);
  });

  it('round-trips a 1 MB payload', async () => {
    const n = ns();
    const big = new Uint8Array(randomBytes(1024 * 1024));
    await store().set(n, 'big', big, ttl);
    sameBytes("get(ns, 'big') of a 1 MB value", await store().get(n, 'big'), big);
  });

  it('stores a view of a larger buffer as exactly the viewed bytes', async () => {
    const n = ns();
    const backing = Uint8Array.from([9, 9, 1, 2, 3, 9, 9]);
    await store().set(n, 'view', backing.subarray(2, 5), ttl);
    sameBytes(
      "get(ns, 'view') of a subarray [1, 2, 3]",
      await store().get(n, 'view'),
      bytes(1, 2, 3),
    );
  });

  it('keeps keys with unusual characters apart', async () => {
    const n = ns();
    const keys = ['a:b', 'a', 'a*', 'ü/ñ {x}', 'k:1', ' spaced key '];
    for (const [i, key] of keys.entries()) await store().set(n, key, bytes(i), ttl);
    for (const [i, key] of keys.entries()) {
      sameBytes(`get(ns, ${JSON.stringify(key)})`, await store().get(n, key), bytes(i));
    }
  });

  it('overwrites a value', async () => {
    const n = ns();
    await store().set(n, 'k', text('one'), ttl);
    await store().set(n, 'k', text('two'), ttl);
    sameBytes(
      "get(ns, 'k') after overwriting 'one' with 'two'",
      await store().get(n, 'k'),
      text('two'),
    );
  });

  it('answers a missing key with undefined from get, false from has, undefined from ttl', async () => {
    const n = ns();
    same("get(ns, 'missing')", await store().get(n, 'missing'), undefined);
    same("has(ns, 'missing')", await store().has(n, 'missing'), false);
    same("ttl(ns, 'missing')", await store().ttl(n, 'missing'), undefined);
  });
}
