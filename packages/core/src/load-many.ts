import { type Entry, L1Box } from './contracts/entry.js';
import { InvalidOptionError, LoaderError } from './contracts/errors.js';
import type { FenceToken, RemoteEntry } from './contracts/remote-store.js';
import type { LoadFlight } from './load.js';
import type { ResolvedLoadOptions } from './options.js';
import { makeEntry, type NamespaceState, type Stack } from './stack.js';

/**
 * Loads many keys at once. Receives only the keys missing from every tier (and not
 * already being loaded) and returns their values as a Map, or an array aligned with
 * the keys. A key left out of the result is returned as `undefined` and not cached.
 */
export type BatchLoader<T> = (
  keys: string[],
  context: { readonly namespace: string; readonly signal: AbortSignal },
) => Promise<Map<string, T> | readonly T[]> | Map<string, T> | readonly T[];

function pick<T>(result: Map<string, T> | readonly T[], keys: readonly string[]): Map<string, T> {
  if (result instanceof Map) return result;
  if (!Array.isArray(result)) {
    throw new InvalidOptionError(
      'batchLoader',
      'must return a Map or an array aligned with the keys',
    );
  }
  if (result.length !== keys.length) {
    throw new InvalidOptionError(
      'batchLoader',
      `returned ${result.length} values for ${keys.length} keys; return a Map to omit keys`,
    );
  }
  const out = new Map<string, T>();
  for (let i = 0; i < keys.length; i++) out.set(keys[i]!, result[i] as T);
  return out;
}

/**
 * getOrSetMany: L1, then one L2 batch read, then one batch loader call for what is
 * still missing; keys already being loaded by another caller are joined, not reloaded.
 */
export async function loadMany<T>(
  stack: Stack,
  ns: NamespaceState,
  keys: readonly string[],
  batchLoader: BatchLoader<T>,
  o: ResolvedLoadOptions,
): Promise<(T | undefined)[]> {
  const now = stack.s.clock.now();
  const results = new Map<string, Entry | undefined>();
  const joined: [string, LoadFlight][] = [];
  let missing: string[] = [];
  for (const key of new Set(keys)) {
    const l1Key = ns.l1Prefix + key;
    if (!o.skipL1 && !o.forceFresh && stack.l1Usable) {
      const stored = stack.l1Get(l1Key);
      const fresh =
        stored !== undefined && (!(stored instanceof L1Box) || stored.f > now - stack.base);
      if (fresh) {
        results.set(key, {
          value: stored instanceof L1Box ? stored.value : stored,
          createdAt: now,
          freshUntil: now + 1,
          staleUntil: now + 1,
          tags: undefined,
        });
        ns.l1Hits++;
        stack.s.events.emit('hit', { namespace: ns.name, key, tier: 'l1' });
        continue;
      }
    }
    const flight = o.forceFresh ? undefined : (stack.loads.get(l1Key) as LoadFlight | undefined);
    if (flight) joined.push([key, flight]);
    else missing.push(key);
  }

  if (missing.length > 0) {
    // Register one flight per key so concurrent single-key callers join this batch.
    let settle!: (value: Map<string, Entry | undefined>) => void;
    let fail!: (error: unknown) => void;
    const batch = new Promise<Map<string, Entry | undefined>>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    batch.catch(() => {});
    const controller = new AbortController();
    const flights = new Map<string, LoadFlight>();
    for (const key of missing) {
      const flight: LoadFlight = {
        namespace: ns.name,
        key,
        tags: o.tags,
        fenced: false,
        stale: undefined,
        controller,
        promise: batch.then((m) => {
          const e = m.get(key);
          if (!e)
            throw new LoaderError(key, { cause: new Error('batch loader returned no value') });
          return e;
        }),
      };
      flight.promise.catch(() => {});
      flights.set(key, flight);
      stack.loads.set(ns.l1Prefix + key, flight);
    }
    try {
      const loaded = new Map<string, Entry | undefined>();
      let fence: FenceToken | undefined;
      const fenceReadAt = performance.now();
      const l2 = stack.s.l2;
      if (l2 && !o.skipL2) {
        try {
          const read = await l2.getMany(ns.name, missing, true);
          fence = read.fence;
          const t = stack.s.clock.now();
          read.entries.forEach((entry, i) => {
            const key = missing[i]!;
            if (!entry || o.forceFresh || l2.hasPendingTag(ns.name, entry.tags)) return;
            if (entry.freshUntil > t) {
              loaded.set(key, entry);
              if (
                !flights.get(key)!.fenced &&
                !o.skipL1 &&
                stack.shouldPromote(ns.l1Prefix + key)
              ) {
                stack.l1Set(ns, ns.l1Prefix + key, entry, true);
              }
              ns.l2Hits++;
              stack.s.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
            }
          });
          missing = missing.filter((k) => !loaded.has(k));
        } catch {
          fence = undefined; // L2 down: load everything, write nothing to L2
        }
      }
      if (missing.length > 0) {
        ns.misses += missing.length;
        for (const key of missing) stack.s.events.emit('miss', { namespace: ns.name, key });
        let values: Map<string, T>;
        try {
          values = pick(
            await batchLoader([...missing], { namespace: ns.name, signal: controller.signal }),
            missing,
          );
        } catch (cause) {
          if (cause instanceof InvalidOptionError) throw cause;
          throw new LoaderError(missing.join(','), { cause });
        }
        const t = stack.s.clock.now();
        if (l2 && performance.now() - fenceReadAt > l2.maxFenceAgeMs) fence = undefined;
        const toL2: RemoteEntry[] = [];
        const created: [string, Entry][] = [];
        for (const key of missing) {
          if (!values.has(key)) continue;
          const entry = makeEntry(values.get(key), o, t);
          loaded.set(key, entry);
          created.push([key, entry]);
          if (l2 && fence !== undefined && !flights.get(key)!.fenced) {
            const ttlMs = Math.max(1, Math.ceil(entry.staleUntil - t));
            toL2.push({ key, value: await l2.encode(entry), ttlMs, tags: entry.tags });
          }
        }
        if (toL2.length > 0 && l2) {
          try {
            const outcomes = await l2.setMany(ns.name, toL2, fence);
            outcomes.forEach((outcome, i) => {
              if (outcome === 'fenced') flights.get(toL2[i]!.key)!.fenced = true;
            });
          } catch {
            // reported by the remote tier
          }
        }
        for (const [key, entry] of created) {
          if (!flights.get(key)!.fenced && !o.skipL1)
            stack.l1Set(ns, ns.l1Prefix + key, entry, false);
        }
      }
      settle(loaded);
      for (const [key, entry] of loaded) results.set(key, entry);
    } catch (error) {
      fail(error);
      throw error;
    } finally {
      for (const [key, flight] of flights) {
        if (stack.loads.get(ns.l1Prefix + key) === flight) stack.loads.delete(ns.l1Prefix + key);
      }
    }
  }

  for (const [key, flight] of joined) {
    try {
      results.set(key, await flight.promise);
    } catch {
      results.set(key, undefined);
    }
  }
  return keys.map((key) => results.get(key)?.value as T | undefined);
}
