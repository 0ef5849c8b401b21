import { coreChannels } from '../contracts/events.js';
import type { GetOptions } from '../contracts/options.js';
import { L1Box } from '../tiers/l1-box.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';
import type { CacheView } from './view.js';

/** Counts and reports a lookup that found no fresh value. */
export function reportMiss(stack: Stack, ns: NamespaceState, key: string): void {
  ns.misses++;
  if (stack.events.has('miss')) stack.events.emit('miss', { namespace: ns.name, key });
  if (coreChannels.read.hasSubscribers) {
    coreChannels.read.publish({ namespace: ns.name, key, tier: 'l2', result: 'miss' });
  }
}

/** `get`: L1, then L2 (promoting the hit into L1). Never runs a loader. */
export function readValue(
  view: CacheView,
  key: string,
  options: GetOptions | undefined,
): Promise<unknown> {
  const { stack, ns } = view;
  if (stack.hotKeys !== undefined) stack.hotKeys.record(ns.name, key);
  const l1Key = ns.l1Prefix + key;
  if (stack.l1Usable && options?.skipL1 !== true) {
    const stored = stack.l1Get(l1Key);
    if (stored !== undefined) {
      // Hot path: a plain value is fresh by construction (the L1 store keeps its TTL).
      if (!(stored instanceof L1Box)) return l1Hit(stack, ns, key, stored);
      if (stored.freshOffset > stack.clock.now() - stack.base) {
        return l1Hit(stack, ns, key, stored.value);
      }
    }
  }
  if (!stack.l2 || options?.skipL2 === true) {
    reportMiss(stack, ns, key);
    return Promise.resolve(undefined);
  }
  return readL2(stack, ns, key, l1Key, options?.skipL1 === true);
}

function l1Hit(stack: Stack, ns: NamespaceState, key: string, value: unknown): Promise<unknown> {
  ns.l1Hits++;
  if (stack.events.has('hit')) stack.events.emit('hit', { namespace: ns.name, key, tier: 'l1' });
  if (coreChannels.read.hasSubscribers) {
    coreChannels.read.publish({ namespace: ns.name, key, tier: 'l1', result: 'hit' });
  }
  return Promise.resolve(value);
}

// The L2-hit path: one promise chain, no per-read bookkeeping. A read that raced an
// invalidation of its namespace (epoch moved) returns its value but does not promote it.
function readL2(
  stack: Stack,
  ns: NamespaceState,
  key: string,
  l1Key: string,
  skipL1: boolean,
): Promise<unknown> {
  const l2 = stack.l2!;
  const epoch = ns.epoch;
  return l2.get(ns.name, key).then(
    (entry) => {
      if (
        entry === undefined ||
        entry.freshUntil <= stack.clock.now() ||
        l2.hasPendingTag(ns.name, entry.tags)
      ) {
        reportMiss(stack, ns, key);
        return undefined;
      }
      if (
        !skipL1 &&
        stack.l1 !== undefined &&
        ns.epoch === epoch &&
        stack.promotion.shouldPromote(l1Key)
      ) {
        stack.l1Set(ns, l1Key, entry, true);
      }
      ns.l2Hits++;
      if (stack.events.has('hit'))
        stack.events.emit('hit', { namespace: ns.name, key, tier: 'l2' });
      if (coreChannels.read.hasSubscribers) {
        coreChannels.read.publish({ namespace: ns.name, key, tier: 'l2', result: 'hit' });
      }
      return entry.value;
    },
    () => {
      reportMiss(stack, ns, key); // the failure was reported as store:error by the remote tier
      return undefined;
    },
  );
}

/** `getMany`: L1 for each key, then one L2 round trip for the rest. */
export async function readValues(
  view: CacheView,
  keys: readonly string[],
  options: GetOptions | undefined,
): Promise<unknown[]> {
  const { stack, ns } = view;
  // Dense: every miss is an explicit `undefined` (no holes), as Keyv and users expect.
  const out: unknown[] = new Array(keys.length).fill(undefined);
  const rel = stack.rel();
  const remote: number[] = [];
  const events = stack.events;
  const hit = (key: string, tier: 'l1' | 'l2') => {
    if (tier === 'l1') ns.l1Hits++;
    else ns.l2Hits++;
    if (events.has('hit')) events.emit('hit', { namespace: ns.name, key, tier });
  };
  keys.forEach((key, i) => {
    if (stack.l1Usable && options?.skipL1 !== true) {
      const stored = stack.l1Get(ns.l1Prefix + key);
      if (stored !== undefined && !(stored instanceof L1Box)) {
        out[i] = stored;
        hit(key, 'l1');
        return;
      }
      if (stored instanceof L1Box && stored.freshOffset > rel) {
        out[i] = stored.value;
        hit(key, 'l1');
        return;
      }
    }
    remote.push(i);
  });
  const l2 = stack.l2;
  const found = new Set<number>();
  if (remote.length > 0 && l2 && options?.skipL2 !== true) {
    const remoteKeys = remote.map((i) => keys[i]!);
    const epoch = ns.epoch;
    try {
      const { entries } = await l2.getMany(ns.name, remoteKeys, false);
      const t = stack.clock.now();
      entries.forEach((entry, j) => {
        if (!entry || entry.freshUntil <= t || l2.hasPendingTag(ns.name, entry.tags)) return;
        const key = remoteKeys[j]!;
        out[remote[j]!] = entry.value;
        found.add(j);
        hit(key, 'l2');
        const l1Key = ns.l1Prefix + key;
        if (
          options?.skipL1 !== true &&
          ns.epoch === epoch &&
          stack.promotion.shouldPromote(l1Key)
        ) {
          stack.l1Set(ns, l1Key, entry, true);
        }
      });
    } catch {
      // reported by the remote tier; these keys read as misses
    }
  }
  remote.forEach((i, j) => {
    if (!found.has(j)) reportMiss(stack, ns, keys[i]!);
  });
  return out;
}

/** `has`: whether a fresh value exists in any tier. */
export async function hasFresh(view: CacheView, key: string): Promise<boolean> {
  const { stack, ns } = view;
  const rel = stack.rel();
  if (stack.l1Usable) {
    const stored = stack.l1Get(ns.l1Prefix + key);
    if (stored !== undefined && (!(stored instanceof L1Box) || stored.freshOffset > rel))
      return true;
  }
  const l2 = stack.l2;
  if (!l2) return false;
  try {
    return await l2.has(ns.name, key);
  } catch {
    return false;
  }
}
