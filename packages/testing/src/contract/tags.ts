import { same, sameList } from './assertions.js';
import { LONG_TTL_MS, text } from './bytes.js';
import type { ContractContext } from './context.js';

const ttl = { ttlMs: LONG_TTL_MS };

/** Tags: `deleteByTag` removes exactly the tagged entries and counts each once. */
export function tagTests({ it, store, ns }: ContractContext): void {
  it('deleteByTag removes exactly the tagged entries', async () => {
    const n = ns();
    await store().set(n, 'a', text('A'), { ...ttl, tags: ['t1'] });
    await store().set(n, 'b', text('B'), { ...ttl, tags: ['t1', 't2'] });
    await store().set(n, 'c', text('C'), { ...ttl, tags: ['t2'] });
    await store().set(n, 'd', text('D'), ttl);
    same("deleteByTag(ns, ['t1']) (a and b carry t1)", await store().deleteByTag(n, ['t1']), 2);
    sameList("getMany(ns, ['a', 'b']) after deleting t1", await store().getMany(n, ['a', 'b']), [
      undefined,
      undefined,
    ]);
    same("has(ns, 'c') after deleting t1", await store().has(n, 'c'), true);
    same("has(ns, 'd') (untagged) after deleting t1", await store().has(n, 'd'), true);
    same(
      "deleteByTag(ns, ['t2']) (only c is left with t2)",
      await store().deleteByTag(n, ['t2']),
      1,
    );
    same("has(ns, 'c') after deleting t2", await store().has(n, 'c'), false);
    same("has(ns, 'd') (untagged) after deleting t2", await store().has(n, 'd'), true);
    same("deleteByTag(ns, ['unknown'])", await store().deleteByTag(n, ['unknown']), 0);
  });

  it('deleteByTag with several tags deletes their union and counts each entry once', async () => {
    const n = ns();
    await store().set(n, 'a', text('A'), { ...ttl, tags: ['x'] });
    await store().set(n, 'b', text('B'), { ...ttl, tags: ['x', 'y'] });
    await store().set(n, 'c', text('C'), { ...ttl, tags: ['y'] });
    await store().set(n, 'd', text('D'), { ...ttl, tags: ['z'] });
    same("deleteByTag(ns, ['x', 'y']) (a, b, c)", await store().deleteByTag(n, ['x', 'y']), 3);
    same("has(ns, 'd') tagged z", await store().has(n, 'd'), true);
  });

  it('deleteByTag does not count tagged entries that were deleted', async () => {
    const n = ns();
    await store().set(n, 'a', text('A'), { ...ttl, tags: ['t'] });
    await store().set(n, 'b', text('B'), { ...ttl, tags: ['t'] });
    await store().delete(n, 'a');
    same("deleteByTag(ns, ['t']) after delete(ns, 'a')", await store().deleteByTag(n, ['t']), 1);
  });
}
