import { same, within } from './assertions.js';
import { text } from './bytes.js';
import type { ContractContext } from './context.js';

/**
 * TTLs, asserted as bounds on the remaining TTL (Redis `PTTL`) rather than by polling; the
 * expiry itself is observed after one step of the store's clock (or one real wait).
 */
export function ttlTests({ it, store, ns, pass, shortTtlMs, clockDriven }: ContractContext): void {
  it('reports a remaining ttl within (0, ttlMs]', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), { ttlMs: 60_000 });
    within(
      "ttl(ns, 'k') right after set with ttlMs 60000",
      await store().ttl(n, 'k'),
      50_000,
      60_000,
    );
  });

  it('replaces the ttl on overwrite', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), { ttlMs: 600_000 });
    await store().set(n, 'k', text('v'), { ttlMs: 10_000 });
    within(
      "ttl(ns, 'k') after overwriting a 600000 ms entry with ttlMs 10000",
      await store().ttl(n, 'k'),
      0,
      10_000,
    );
  });

  it('keeps the ttl of an entry that is read', async () => {
    const n = ns();
    await store().set(n, 'k', text('v'), { ttlMs: 10_000 });
    await store().get(n, 'k');
    await store().has(n, 'k');
    within(
      "ttl(ns, 'k') after get and has of a 10000 ms entry",
      await store().ttl(n, 'k'),
      0,
      10_000,
    );
  });

  if (clockDriven) {
    it('counts the remaining ttl down with the clock', async () => {
      const n = ns();
      await store().set(n, 'k', text('v'), { ttlMs: 60_000 });
      await pass(20_000);
      within(
        "ttl(ns, 'k') 20000 ms after set with ttlMs 60000",
        await store().ttl(n, 'k'),
        30_000,
        40_000,
      );
    });
  }

  it('expires an entry after its ttl', async () => {
    const n = ns();
    await store().set(n, 'short', text('v'), { ttlMs: shortTtlMs });
    await store().set(n, 'long', text('v'), { ttlMs: 60_000 });
    const before = await store().ttl(n, 'short');
    if (before !== undefined)
      within(`ttl(ns, 'short') right after set with ttlMs ${shortTtlMs}`, before, 0, shortTtlMs);
    await pass(shortTtlMs);
    same(
      `get(ns, 'short') once its ttl of ${shortTtlMs} ms passed`,
      await store().get(n, 'short'),
      undefined,
    );
    same(`has(ns, 'short') once its ttl passed`, await store().has(n, 'short'), false);
    same(`ttl(ns, 'short') once its ttl passed`, await store().ttl(n, 'short'), undefined);
    same(
      "has(ns, 'long') of a 60000 ms entry written at the same time",
      await store().has(n, 'long'),
      true,
    );
  });
}
