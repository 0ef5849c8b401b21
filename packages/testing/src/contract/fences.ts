import { ofType, same, sameBytes, sameList, within } from './assertions.js';
import { LONG_TTL_MS, text } from './bytes.js';
import type { ContractContext } from './context.js';

const ttl = { ttlMs: LONG_TTL_MS };
const FENCED = 'a conditional write with a fence read before';

/**
 * Fenced writes: a write carrying a fence is skipped (`'fenced'`) when its key was
 * invalidated (delete, unconditional set, tag, clear) since the fence was read.
 */
export function fenceTests({ it, store, ns, preciseFences }: ContractContext): void {
  it('reads a value and a fence in one call', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), ttl);
    const read = await store().getWithFence(n, 'k');
    sameBytes("getWithFence(ns, 'k').value", read.value, text('v'));
    ofType("getWithFence(ns, 'k').fence", read.fence, 'string');
    const miss = await store().getWithFence(n, 'missing');
    same("getWithFence(ns, 'missing').value", miss.value, undefined);
    ofType("getWithFence(ns, 'missing').fence", miss.fence, 'string');
  });

  it('reads many values in order and one fence', async () => {
    const n = ns();
    await store().set(n, 'b', text('B'), ttl);
    const read = await store().getManyWithFence(n, ['a', 'b']);
    same("getManyWithFence(ns, ['a', 'b']).values[0]", read.values[0], undefined);
    sameBytes("getManyWithFence(ns, ['a', 'b']).values[1]", read.values[1], text('B'));
    ofType("getManyWithFence(ns, ['a', 'b']).fence", read.fence, 'string');
    sameList('getManyWithFence(ns, []).values', (await store().getManyWithFence(n, [])).values, []);
  });

  it('writes when nothing invalidated the key since the fence was read', async () => {
    const n = ns();
    const { fence } = await store().getWithFence(n, 'k');
    same(
      "set(ns, 'k', …, { fence }) with nothing in between",
      await store().set(n, 'k', text('loaded'), { ...ttl, fence }),
      'written',
    );
    sameBytes("get(ns, 'k') after a fenced write", await store().get(n, 'k'), text('loaded'));
    within(
      "ttl(ns, 'k') after a fenced write with ttlMs 60000",
      await store().ttl(n, 'k'),
      0,
      LONG_TTL_MS,
    );
  });

  it('skips a write whose key was deleted after the fence was read', async () => {
    const n = ns();
    await store().set(n, 'k', text('old'), ttl);
    const { fence } = await store().getWithFence(n, 'k');
    await store().delete(n, 'k');
    same(
      `${FENCED} delete(ns, 'k')`,
      await store().set(n, 'k', text('stale'), { ...ttl, fence }),
      'fenced',
    );
    same("get(ns, 'k') after the fenced write", await store().get(n, 'k'), undefined);
  });

  it('skips a write whose key was deleted, even when it was absent', async () => {
    const n = ns();
    const { fence } = await store().getWithFence(n, 'k');
    same("delete(ns, 'k') of an absent key", await store().delete(n, 'k'), false);
    same(
      `${FENCED} delete(ns, 'k') of an absent key`,
      await store().set(n, 'k', text('stale'), { ...ttl, fence }),
      'fenced',
    );
    same("has(ns, 'k') after the fenced write", await store().has(n, 'k'), false);
  });

  it('skips a write whose key was deleted by deleteMany', async () => {
    const n = ns();
    const { fence } = await store().getWithFence(n, 'k');
    await store().deleteMany(n, ['x', 'k']);
    same(
      `${FENCED} deleteMany(ns, ['x', 'k'])`,
      await store().set(n, 'k', text('stale'), { ...ttl, fence }),
      'fenced',
    );
  });

  const overwrites: readonly [
    title: string,
    what: string,
    overwrite: (n: string) => Promise<unknown>,
  ][] = [
    [
      'skips a write whose key was set unconditionally after the fence was read',
      "an unconditional set(ns, 'k')",
      (n) => store().set(n, 'k', text('fresh'), ttl),
    ],
    [
      'skips a write whose key was set by an unconditional setMany',
      "an unconditional setMany of 'k'",
      (n) => store().setMany(n, [{ key: 'k', value: text('fresh'), ttlMs: LONG_TTL_MS }]),
    ],
  ];
  for (const [title, what, overwrite] of overwrites) {
    it(title, async () => {
      const n = ns();
      const { fence } = await store().getWithFence(n, 'k');
      await overwrite(n);
      same(
        `${FENCED} ${what}`,
        await store().set(n, 'k', text('stale'), { ...ttl, fence }),
        'fenced',
      );
      sameBytes(
        "get(ns, 'k') keeps the unconditional write",
        await store().get(n, 'k'),
        text('fresh'),
      );
    });
  }

  it('skips a write carrying a tag invalidated after the fence was read', async () => {
    const n = ns();
    await store().set(n, 'k', text('old'), { ...ttl, tags: ['t'] });
    const { fence } = await store().getWithFence(n, 'k');
    await store().deleteByTag(n, ['t']);
    same(
      `${FENCED} deleteByTag(ns, ['t']), tagged t`,
      await store().set(n, 'k', text('stale'), { ...ttl, tags: ['t'], fence }),
      'fenced',
    );
    same("has(ns, 'k') after the fenced write", await store().has(n, 'k'), false);
    // A tag invalidated while no entry carried it still fences its writers.
    const second = await store().getWithFence(n, 'j');
    same("deleteByTag(ns, ['u']) of a tag nothing carries", await store().deleteByTag(n, ['u']), 0);
    same(
      `${FENCED} deleteByTag(ns, ['u']) of an unused tag, tagged u`,
      await store().set(n, 'j', text('stale'), { ...ttl, tags: ['u'], fence: second.fence }),
      'fenced',
    );
  });

  it('skips a write whose namespace was cleared after the fence was read', async () => {
    const n = ns();
    await store().set(n, 'k', text('old'), ttl);
    const { fence } = await store().getWithFence(n, 'k');
    await store().clear(n);
    same(
      `${FENCED} clear(ns)`,
      await store().set(n, 'k', text('stale'), { ...ttl, fence }),
      'fenced',
    );
    same("has(ns, 'k') after the fenced write", await store().has(n, 'k'), false);
  });

  it('writes with a fence read after the invalidation', async () => {
    const n = ns();
    await store().set(n, 'k', text('old'), { ...ttl, tags: ['t'] });
    await store().delete(n, 'k');
    await store().deleteByTag(n, ['t']);
    await store().clear(n);
    const { fence } = await store().getWithFence(n, 'k');
    same(
      "set(ns, 'k', …, { fence }) with a fence read after delete, deleteByTag and clear",
      await store().set(n, 'k', text('new'), { ...ttl, tags: ['t'], fence }),
      'written',
    );
    sameBytes("get(ns, 'k') after that write", await store().get(n, 'k'), text('new'));
    same("deleteByTag(ns, ['t']) after that write", await store().deleteByTag(n, ['t']), 1);
  });

  it('a conditional write does not fence other conditional writes', async () => {
    const n = ns();
    const first = await store().getWithFence(n, 'k');
    const second = await store().getWithFence(n, 'k');
    same(
      "first conditional set(ns, 'k')",
      await store().set(n, 'k', text('one'), { ...ttl, fence: first.fence, tags: ['t'] }),
      'written',
    );
    same(
      "second conditional set(ns, 'k') after the first one",
      await store().set(n, 'k', text('two'), { ...ttl, fence: second.fence, tags: ['t'] }),
      'written',
    );
    sameBytes("get(ns, 'k') after two conditional writes", await store().get(n, 'k'), text('two'));
    const third = await store().getManyWithFence(n, ['a', 'b']);
    const entries = [
      { key: 'a', value: text('A'), ttlMs: LONG_TTL_MS },
      { key: 'b', value: text('B'), ttlMs: LONG_TTL_MS },
    ];
    sameList(
      'conditional setMany(ns, [a, b], fence)',
      await store().setMany(n, entries, third.fence),
      ['written', 'written'],
    );
    same(
      "conditional set(ns, 'a') with the fence of that setMany",
      await store().set(n, 'a', text('A2'), { ...ttl, fence: third.fence }),
      'written',
    );
  });

  it('a fenced setMany skips the entries invalidated since the fence was read', async () => {
    const n = ns();
    const { fence } = await store().getManyWithFence(n, ['a', 'b']);
    await store().delete(n, 'a');
    const outcomes = await store().setMany(
      n,
      [
        { key: 'a', value: text('A'), ttlMs: LONG_TTL_MS },
        { key: 'b', value: text('B'), ttlMs: LONG_TTL_MS },
      ],
      fence,
    );
    same(`conditional setMany: outcome of 'a' (${FENCED} delete(ns, 'a'))`, outcomes[0], 'fenced');
    same("has(ns, 'a') after the fenced setMany", await store().has(n, 'a'), false);
    if (preciseFences) {
      same("conditional setMany: outcome of 'b' (not invalidated)", outcomes[1], 'written');
      sameBytes("get(ns, 'b') after the conditional setMany", await store().get(n, 'b'), text('B'));
    }
  });

  it('a fenced setMany is skipped entirely after a clear', async () => {
    const n = ns();
    const { fence } = await store().getManyWithFence(n, ['a', 'b']);
    await store().clear(n);
    const outcomes = await store().setMany(
      n,
      [
        { key: 'a', value: text('A'), ttlMs: LONG_TTL_MS },
        { key: 'b', value: text('B'), ttlMs: LONG_TTL_MS },
      ],
      fence,
    );
    sameList('conditional setMany(ns, [a, b]) with a fence read before clear(ns)', outcomes, [
      'fenced',
      'fenced',
    ]);
  });

  if (preciseFences) {
    it('an invalidation of one key does not fence writes of others', async () => {
      const n = ns();
      const other = ns();
      const { fence } = await store().getWithFence(n, 'k');
      const otherFence = (await store().getWithFence(other, 'k')).fence;
      await store().delete(n, 'unrelated');
      await store().set(n, 'unrelated2', text('x'), ttl);
      await store().deleteByTag(n, ['unrelated-tag']);
      await store().clear(ns());
      await store().delete(other, 'k');
      same(
        "conditional set(ns, 'k') after invalidations of other keys, tags and namespaces",
        await store().set(n, 'k', text('v'), { ...ttl, tags: ['t'], fence }),
        'written',
      );
      same(
        "conditional set(other, 'j') with a fence read for 'k' before delete(other, 'k')",
        await store().set(other, 'j', text('v'), { ...ttl, fence: otherFence }),
        'written',
      );
    });
  }
}
