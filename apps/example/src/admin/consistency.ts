import { isDeepStrictEqual } from 'node:util';
import type { Cache } from '@cachestack/core';
import { keys } from '../cache/keys.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/repository.js';
import { CATEGORIES } from '../db/seed.js';
import type { NamespaceSource } from '../services/shop.js';

/** One cached value that differs from the database. */
export interface Mismatch {
  readonly key: string;
  readonly tier: 'l1' | 'l2';
  readonly cached: unknown;
  readonly database: unknown;
  readonly repaired: boolean;
}

/** Result of a consistency run. */
export interface ConsistencyReport {
  /** Keys looked at. */
  readonly sampled: number;
  /** Tier values found and compared (a key may be in both tiers). */
  readonly compared: number;
  readonly mismatches: readonly Mismatch[];
  readonly repaired: number;
  readonly durationMs: number;
}

/** Options of a consistency run. */
export interface ConsistencyOptions {
  /** Keys sampled; `0` means every key the database can produce. @defaultValue 200 */
  readonly sampleSize?: number;
  /** Delete mismatched entries (the next read loads the database's value). @defaultValue false */
  readonly repair?: boolean;
}

interface Candidate {
  readonly cache: Cache;
  readonly key: string;
  readonly load: () => Promise<unknown>;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Samples keys, reads each tier's cached value (L1 and L2 separately, without promoting),
 * and compares it with what the database returns now. A difference is checked a second
 * time before it is reported, so a write landing between the two reads is not counted.
 */
export async function checkConsistency(
  db: Database,
  ns: NamespaceSource,
  options: ConsistencyOptions = {},
): Promise<ConsistencyReport> {
  const start = performance.now();
  const sampleSize = options.sampleSize ?? 200;
  const n = ns();
  const max = await sql.maxIds(db);
  const candidates: Candidate[] = [];
  for (let id = 1; id <= max.users; id++) {
    candidates.push({ cache: n.users, key: keys.user(id), load: () => sql.user(db, id) });
    candidates.push({
      cache: n.orders,
      key: keys.userOrders(id),
      load: () => sql.userOrders(db, id),
    });
  }
  for (let id = 1; id <= max.products; id++) {
    candidates.push({ cache: n.products, key: keys.product(id), load: () => sql.product(db, id) });
  }
  for (const c of CATEGORIES) {
    candidates.push({ cache: n.products, key: keys.category(c), load: () => sql.category(db, c) });
  }
  for (let id = 1; id <= max.orders; id++) {
    candidates.push({ cache: n.orders, key: keys.order(id), load: () => sql.order(db, id) });
  }
  const sample = sampleSize > 0 ? shuffle(candidates).slice(0, sampleSize) : candidates;

  let compared = 0;
  const mismatches: Mismatch[] = [];
  const check = async (c: Candidate): Promise<void> => {
    for (const tier of ['l1', 'l2'] as const) {
      const opts = tier === 'l1' ? { skipL2: true } : { skipL1: true };
      const cached = await c.cache.get(c.key, opts);
      if (cached === undefined) continue;
      compared++;
      let database = await c.load();
      if (isDeepStrictEqual(cached, database)) continue;
      // Re-read both: a write may have landed between the two reads.
      const again = await c.cache.get(c.key, opts);
      database = await c.load();
      if (again === undefined || isDeepStrictEqual(again, database)) continue;
      let repaired = false;
      if (options.repair === true) {
        await c.cache.delete(c.key);
        repaired = true;
      }
      mismatches.push({ key: c.key, tier, cached: again, database, repaired });
    }
  };
  // A few at a time: this runs next to live traffic.
  const queue = [...sample];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) await check(c);
    }),
  );
  return {
    sampled: sample.length,
    compared,
    mismatches,
    repaired: mismatches.filter((m) => m.repaired).length,
    durationMs: Math.round(performance.now() - start),
  };
}
