import { rejectsWithCode, same } from './assertions.js';
import { text } from './bytes.js';
import type { ContractContext } from './context.js';

const INVALID_KEY = 'CACHESTACK_INVALID_KEY';
const INVALID_OPTION = 'CACHESTACK_INVALID_OPTION';

/**
 * Bad input rejects with a typed error and a stable code: `CACHESTACK_INVALID_KEY` for a
 * bad namespace, key, key list or tag; `CACHESTACK_INVALID_OPTION` for a bad `ttlMs`,
 * value or options object.
 */
export function validationTests({ it, store, ns }: ContractContext): void {
  const value = text('v');

  it('rejects a bad namespace with CACHESTACK_INVALID_KEY', async () => {
    const s = store();
    await rejectsWithCode("get('', 'k')", () => s.get('', 'k'), INVALID_KEY);
    await rejectsWithCode("get(42, 'k')", () => s.get(42 as unknown as string, 'k'), INVALID_KEY);
    await rejectsWithCode(
      "set('', 'k', …)",
      () => s.set('', 'k', value, { ttlMs: 1000 }),
      INVALID_KEY,
    );
    await rejectsWithCode("clear('')", () => s.clear(''), INVALID_KEY);
  });

  it('rejects a bad key with CACHESTACK_INVALID_KEY', async () => {
    const s = store();
    const n = ns();
    await rejectsWithCode("get(ns, '')", () => s.get(n, ''), INVALID_KEY);
    await rejectsWithCode(
      'get(ns, undefined)',
      () => s.get(n, undefined as unknown as string),
      INVALID_KEY,
    );
    await rejectsWithCode("has(ns, '')", () => s.has(n, ''), INVALID_KEY);
    await rejectsWithCode("ttl(ns, '')", () => s.ttl(n, ''), INVALID_KEY);
    await rejectsWithCode("delete(ns, '')", () => s.delete(n, ''), INVALID_KEY);
    await rejectsWithCode("getWithFence(ns, '')", () => s.getWithFence(n, ''), INVALID_KEY);
    await rejectsWithCode(
      "set(ns, '', …)",
      () => s.set(n, '', value, { ttlMs: 1000 }),
      INVALID_KEY,
    );
    await rejectsWithCode("getMany(ns, ['a', ''])", () => s.getMany(n, ['a', '']), INVALID_KEY);
    await rejectsWithCode(
      "getMany(ns, 'a')",
      () => s.getMany(n, 'a' as unknown as string[]),
      INVALID_KEY,
    );
    await rejectsWithCode(
      'getManyWithFence(ns, [1])',
      () => s.getManyWithFence(n, [1 as unknown as string]),
      INVALID_KEY,
    );
    await rejectsWithCode("deleteMany(ns, [''])", () => s.deleteMany(n, ['']), INVALID_KEY);
    await rejectsWithCode(
      "setMany(ns, [{ key: '' }])",
      () => s.setMany(n, [{ key: '', value, ttlMs: 1000 }]),
      INVALID_KEY,
    );
  });

  it('rejects a bad tag with CACHESTACK_INVALID_KEY', async () => {
    const s = store();
    const n = ns();
    await rejectsWithCode(
      "set(ns, 'k', …, { tags: [''] })",
      () => s.set(n, 'k', value, { ttlMs: 1000, tags: [''] }),
      INVALID_KEY,
    );
    await rejectsWithCode(
      "set(ns, 'k', …, { tags: 't' })",
      () => s.set(n, 'k', value, { ttlMs: 1000, tags: 't' as unknown as string[] }),
      INVALID_KEY,
    );
    await rejectsWithCode("deleteByTag(ns, [''])", () => s.deleteByTag(n, ['']), INVALID_KEY);
    await rejectsWithCode(
      "deleteByTag(ns, 't')",
      () => s.deleteByTag(n, 't' as unknown as string[]),
      INVALID_KEY,
    );
  });

  it('rejects a bad ttl with CACHESTACK_INVALID_OPTION', async () => {
    const s = store();
    const n = ns();
    for (const ttlMs of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, '100']) {
      const shown = typeof ttlMs === 'string' ? `'${ttlMs}'` : String(ttlMs);
      await rejectsWithCode(
        `set(ns, 'k', …, { ttlMs: ${shown} })`,
        () => s.set(n, 'k', value, { ttlMs: ttlMs as number }),
        INVALID_OPTION,
      );
      await rejectsWithCode(
        `setMany(ns, [{ ttlMs: ${shown} }])`,
        () => s.setMany(n, [{ key: 'k', value, ttlMs: ttlMs as number }]),
        INVALID_OPTION,
      );
    }
    await rejectsWithCode(
      "set(ns, 'k', …, undefined)",
      () => s.set(n, 'k', value, undefined as unknown as { ttlMs: number }),
      INVALID_OPTION,
    );
  });

  it('rejects a value that is not a Uint8Array with CACHESTACK_INVALID_OPTION', async () => {
    const s = store();
    const n = ns();
    for (const bad of ['text', null, undefined, 12, [1, 2]]) {
      await rejectsWithCode(
        `set(ns, 'k', ${JSON.stringify(bad) ?? 'undefined'}, …)`,
        () => s.set(n, 'k', bad as unknown as Uint8Array, { ttlMs: 1000 }),
        INVALID_OPTION,
      );
    }
    await rejectsWithCode(
      "setMany(ns, [{ value: 'text' }])",
      () => s.setMany(n, [{ key: 'k', value: 'text' as unknown as Uint8Array, ttlMs: 1000 }]),
      INVALID_OPTION,
    );
  });

  it('writes nothing of a batch that holds an invalid entry', async () => {
    const s = store();
    const n = ns();
    await rejectsWithCode(
      'setMany(ns, [good, { ttlMs: -5 }])',
      () =>
        s.setMany(n, [
          { key: 'good', value, ttlMs: 1000 },
          { key: 'bad', value, ttlMs: -5 },
        ]),
      INVALID_OPTION,
    );
    same("has(ns, 'good') after a rejected batch", await s.has(n, 'good'), false);
  });
}
