import { type Entry, makeEntry } from '../contracts/entry.js';
import { InvalidOptionError, LoaderError } from '../contracts/errors.js';
import type { BatchLoader } from '../contracts/loader.js';
import type { ResolvedLoadOptions } from '../contracts/options.js';
import type { FenceToken, RemoteEntry } from '../contracts/remote-store.js';
import type { Flight } from '../tiers/flights.js';
import { L1Box } from '../tiers/l1-box.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';

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
  options: ResolvedLoadOptions,
): Promise<(T | undefined)[]> {
  const now = stack.clock.now();
  const results = new Map<string, Entry | undefined>();
  const joined: [string, Flight][] = [];
  let missing: string[] = [];
  for (const key of new Set(keys)) {
    const l1Key = ns.l1Prefix + key;
    if (!options.skipL1 && !options.forceFresh && stack.l1Usable) {
      const stored = stack.l1Get(l1Key);
      const fresh =
        stored !== undefined &&
        (!(stored instanceof L1Box) || stored.freshOffset > now - stack.base);
      if (fresh) {
        results.set(key, {
          value: stored instanceof L1Box ? stored.value : stored,
          createdAt: now,
          freshUntil: now + 1,
          staleUntil: now + 1,
          tags: undefined,
        });
        ns.l1Hits++;
        stack.events.emit('hit', { namespace: ns.name, key, tier: 'l1' });
        continue;
      }
    }
    const flight = options.forceFresh ? undefined : stack.flights.get(l1Key);
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
    const flights = new Map<string, Flight>();
    for (const key of missing) {
      const flight: Flight = {
        namespace: ns.name,
        key,
        tags: options.tags,
        fenced: false,
        settled: false,
        stale: undefined,
        fence: undefined,
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
      stack.flights.add(ns.l1Prefix + key, flight);
    }
    try {
      const loaded = new Map<string, Entry | undefined>();
      let fence: FenceToken | undefined;
      const fenceReadAt = stack.clock.monotonic();
      const l2 = stack.l2;
      if (l2 && !options.skipL2) {
        try {
          const read = await l2.getMany(ns.name, missing, true);
          fence = read.fence;
          const t = stack.clock.now();
          read.entries.forEach((entry, i) => {
            const key = missing[i]!;
            if (!entry || options.forceFresh || l2.hasPendingTag(ns.name, entry.tags)) return;
            if (entry.freshUntil > t) {
              loaded.set(key, entry);
              if (
                !flights.get(key)!.fenced &&
                !options.skipL1 &&
                stack.promotion.shouldPromote(ns.l1Prefix + key)
              ) {
                stack.l1Set(ns, ns.l1Prefix + key, entry, true);
              }
              ns.l2Hits++;
              stack.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
            }
          });
          missing = missing.filter((k) => !loaded.has(k));
        } catch {
          fence = undefined; // L2 down: load everything, write nothing to L2
        }
      }
      if (missing.length > 0) {
        ns.misses += missing.length;
        for (const key of missing) stack.events.emit('miss', { namespace: ns.name, key });
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
        const t = stack.clock.now();
        if (l2 && stack.clock.monotonic() - fenceReadAt > l2.maxFenceAgeMs) fence = undefined;
        const toL2: RemoteEntry[] = [];
        const created: [string, Entry][] = [];
        for (const key of missing) {
          if (!values.has(key)) continue;
          const entry = makeEntry(values.get(key), options, t);
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
          if (!flights.get(key)!.fenced && !options.skipL1)
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
        flight.settled = true;
        stack.flights.settle(ns.l1Prefix + key, flight);
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
