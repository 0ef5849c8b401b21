import { same, sameBytes } from './assertions.js';
import { LONG_TTL_MS, text } from './bytes.js';
import type { ContractContext } from './context.js';

const ttl = { ttlMs: LONG_TTL_MS };

/** Presence, deletes, clear and namespace isolation. */
export function deleteTests({ it, store, ns }: ContractContext): void {
  it('has tells present from absent', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), ttl);
    same("has(ns, 'k') after set", await store().has(n, 'k'), true);
    same("has(ns, 'other')", await store().has(n, 'other'), false);
  });

  it('delete resolves true when the key existed and false after', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), ttl);
    same("delete(ns, 'k') of a present key", await store().delete(n, 'k'), true);
    same("get(ns, 'k') after delete", await store().get(n, 'k'), undefined);
    same("delete(ns, 'k') a second time", await store().delete(n, 'k'), false);
  });

  it('clear removes every entry of the namespace and nothing else', async () => {
    const n = ns();
    const other = ns();
    await store().set(n, 'a', text('A'), { ...ttl, tags: ['t'] });
    await store().set(n, 'b', text('B'), ttl);
    await store().set(other, 'a', text('other A'), { ...ttl, tags: ['t'] });
    await store().clear(n);
    same("get(ns, 'a') after clear(ns)", await store().get(n, 'a'), undefined);
    same("has(ns, 'b') after clear(ns)", await store().has(n, 'b'), false);
    sameBytes("get(other, 'a') after clear(ns)", await store().get(other, 'a'), text('other A'));
    same("deleteByTag(ns, ['t']) after clear(ns)", await store().deleteByTag(n, ['t']), 0);
    await store().set(n, 'a', text('A2'), { ...ttl, tags: ['t'] });
    sameBytes("get(ns, 'a') written after clear(ns)", await store().get(n, 'a'), text('A2'));
    same(
      "deleteByTag(ns, ['t']) of an entry written after clear",
      await store().deleteByTag(n, ['t']),
      1,
    );
    await store().clear(n);
    await store().clear(n);
  });

  it('keeps namespaces isolated', async () => {
    const n1 = ns();
    const n2 = ns();
    await store().set(n1, 'k', text('one'), { ...ttl, tags: ['t'] });
    await store().set(n2, 'k', text('two'), { ...ttl, tags: ['t'] });
    sameBytes("get(ns1, 'k')", await store().get(n1, 'k'), text('one'));
    sameBytes("get(ns2, 'k')", await store().get(n2, 'k'), text('two'));
    same("deleteByTag(ns1, ['t'])", await store().deleteByTag(n1, ['t']), 1);
    sameBytes(
      "get(ns2, 'k') after deleteByTag(ns1, ['t'])",
      await store().get(n2, 'k'),
      text('two'),
    );
    await store().set(n1, 'k', text('one'), ttl);
    same("delete(ns2, 'k')", await store().delete(n2, 'k'), true);
    sameBytes("get(ns1, 'k') after delete(ns2, 'k')", await store().get(n1, 'k'), text('one'));
  });
}
