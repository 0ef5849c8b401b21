import { makeEntry } from '../contracts/entry.js';
import { InvalidOptionError } from '../contracts/errors.js';
import type { LoadOptions, SetOptions } from '../contracts/options.js';
import { publishInvalidation } from './invalidate.js';
import { resolveLoadOptions } from './resolve-options.js';
import { type CacheView, checkKey } from './view.js';

/** One item of `setMany`. */
export interface SetItem {
  readonly key: string;
  readonly value: unknown;
  readonly options?: SetOptions;
}

/**
 * `set` / `setMany`: serialize everything first (a bad value fails the call before any
 * tier changes), fence the loads of these keys (a loader that started earlier must not
 * overwrite the new value), write L1, then L2 in one round trip, then tell the other
 * instances (a `set` elsewhere is an invalidation there).
 */
export async function writeValues(view: CacheView, items: readonly SetItem[]): Promise<void> {
  if (!Array.isArray(items)) throw new InvalidOptionError('items', 'expected an array');
  const { stack, ns, defaults } = view;
  const prepared = items.map((item) => {
    checkKey(view, item?.key);
    const options =
      item.options === undefined
        ? defaults
        : resolveLoadOptions(defaults, item.options as LoadOptions);
    return { key: item.key, options, entry: makeEntry(item.value, options, stack.clock.now()) };
  });
  const l2 = stack.l2;
  const encoded = l2
    ? await Promise.all(prepared.map((p) => (p.options.skipL2 ? undefined : l2.encode(p.entry))))
    : [];
  for (const p of prepared) {
    const l1Key = ns.l1Prefix + p.key;
    ns.epoch++;
    stack.flights.fence(ns.name, ns.l1Prefix, { kind: 'keys', keys: [p.key] });
    if (p.options.skipL1) stack.l1?.delete(l1Key);
    else stack.l1Set(ns, l1Key, p.entry, false);
  }
  if (l2) {
    const writes = prepared
      .map((p, i) => ({ p, bytes: encoded[i] }))
      .filter(
        (w): w is { p: (typeof prepared)[number]; bytes: Uint8Array } => w.bytes !== undefined,
      );
    if (writes.length > 0) {
      try {
        if (writes.length === 1) {
          const w = writes[0]!;
          const ttlMs = Math.max(1, Math.ceil(w.p.entry.staleUntil - stack.clock.now()));
          await l2.set(ns.name, w.p.key, w.bytes, ttlMs, w.p.entry.tags, undefined);
        } else {
          const t = stack.clock.now();
          await l2.setMany(
            ns.name,
            writes.map((w) => ({
              key: w.p.key,
              value: w.bytes,
              ttlMs: Math.max(1, Math.ceil(w.p.entry.staleUntil - t)),
              tags: w.p.entry.tags,
            })),
            undefined,
          );
        }
      } catch {
        // reported as store:error; the stale L2 value is deleted when L2 is back
      }
    }
  }
  const events = stack.events;
  if (events.has('set')) {
    for (const p of prepared) {
      events.emit('set', {
        namespace: ns.name,
        key: p.key,
        ttlMs: p.entry.freshUntil - p.entry.createdAt,
        tiers: ['l1', 'l2'],
      });
    }
  }
  publishInvalidation(stack, { type: 'set', namespace: ns.name, keys: prepared.map((p) => p.key) });
}
