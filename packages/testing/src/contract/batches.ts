import { same, sameBytes, sameList, within } from './assertions.js';
import { LONG_TTL_MS, text } from './bytes.js';
import type { ContractContext } from './context.js';

const ttl = { ttlMs: LONG_TTL_MS };

/** Batches: one call, many keys, answers in key order. */
export function batchTests({ it, store, ns }: ContractContext): void {
  it('getMany answers in key order with undefined for misses', async () => {
    const n = ns();
    await store().set(n, 'a', text('A'), ttl);
    await store().set(n, 'c', text('C'), ttl);
    const values = await store().getMany(n, ['c', 'b', 'a', 'c']);
    same("getMany(ns, ['c', 'b', 'a', 'c']).length", values.length, 4);
    sameBytes("getMany(ns, ['c', 'b', 'a', 'c'])[0]", values[0], text('C'));
    same("getMany(ns, ['c', 'b', 'a', 'c'])[1] (a miss)", values[1], undefined);
    sameBytes("getMany(ns, ['c', 'b', 'a', 'c'])[2]", values[2], text('A'));
    sameBytes("getMany(ns, ['c', 'b', 'a', 'c'])[3]", values[3], text('C'));
  });

  it('accepts empty lists', async () => {
    const n = ns();
    sameList('getMany(ns, [])', await store().getMany(n, []), []);
    sameList('setMany(ns, [])', await store().setMany(n, []), []);
    same('deleteMany(ns, [])', await store().deleteMany(n, []), 0);
    same('deleteByTag(ns, [])', await store().deleteByTag(n, []), 0);
  });

  it('setMany writes every entry with its own ttl and reports one outcome per entry', async () => {
    const n = ns();
    const outcomes = await store().setMany(n, [
      { key: 'a', value: text('A'), ttlMs: 60_000 },
      { key: 'b', value: text('B'), ttlMs: 5_000, tags: ['t'] },
    ]);
    sameList('setMany(ns, [a, b])', outcomes, ['written', 'written']);
    const [a, b] = await store().getMany(n, ['a', 'b']);
    sameBytes("getMany(ns, ['a', 'b'])[0]", a, text('A'));
    sameBytes("getMany(ns, ['a', 'b'])[1]", b, text('B'));
    within(
      "ttl(ns, 'a') of a setMany entry with ttlMs 60000",
      await store().ttl(n, 'a'),
      5_000,
      60_000,
    );
    within("ttl(ns, 'b') of a setMany entry with ttlMs 5000", await store().ttl(n, 'b'), 0, 5_000);
    same("deleteByTag(ns, ['t']) (only 'b' carries t)", await store().deleteByTag(n, ['t']), 1);
    same("has(ns, 'a') after deleting tag t", await store().has(n, 'a'), true);
  });

  it('round-trips a batch of 1000 entries', async () => {
    const n = ns();
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      key: `k${i}`,
      value: text(`v${i}`),
      ttlMs: LONG_TTL_MS,
    }));
    const outcomes = await store().setMany(n, entries);
    same('setMany of 1000 entries: outcomes', outcomes.length, 1000);
    const notWritten = outcomes.findIndex((o) => o !== 'written');
    same(`setMany of 1000 entries: outcome ${notWritten}`, outcomes[notWritten], undefined);
    const values = await store().getMany(
      n,
      entries.map((e) => e.key),
    );
    values.forEach((v, i) => {
      sameBytes(`getMany of 1000 keys [${i}]`, v, text(`v${i}`));
    });
  });

  it('deleteMany resolves the number of keys that existed', async () => {
    const n = ns();
    await store().setMany(n, [
      { key: 'a', value: text('A'), ttlMs: LONG_TTL_MS },
      { key: 'b', value: text('B'), ttlMs: LONG_TTL_MS },
      { key: 'c', value: text('C'), ttlMs: LONG_TTL_MS },
    ]);
    same(
      "deleteMany(ns, ['a', 'missing', 'b'])",
      await store().deleteMany(n, ['a', 'missing', 'b']),
      2,
    );
    sameList("getMany(ns, ['a', 'b']) after deleteMany", await store().getMany(n, ['a', 'b']), [
      undefined,
      undefined,
    ]);
    same("has(ns, 'c') after deleteMany of a and b", await store().has(n, 'c'), true);
  });
}
