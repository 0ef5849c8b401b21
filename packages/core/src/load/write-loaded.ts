import type { Entry } from '../contracts/entry.js';
import { CacheStackError } from '../contracts/errors.js';
import { coreChannels } from '../contracts/events.js';
import type { ResolvedLoadOptions } from '../contracts/options.js';
import type { FenceToken } from '../contracts/remote-store.js';
import type { Flight } from '../tiers/flights.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';

/** Writes a loaded entry to L2 then L1, unless an invalidation fenced it. */
export async function writeLoaded(
  stack: Stack,
  ns: NamespaceState,
  flight: Flight,
  key: string,
  l1Key: string,
  entry: Entry,
  options: ResolvedLoadOptions,
  fence: FenceToken | undefined,
  fenceReadAt = Number.NEGATIVE_INFINITY,
): Promise<void> {
  const { l2, events } = stack;
  const tiers: ('l1' | 'l2')[] = [];
  if (l2 && fence !== undefined && stack.clock.monotonic() - fenceReadAt > l2.maxFenceAgeMs) {
    // The store may have forgotten invalidations this old: a conditional write could
    // not be trusted, so the (possibly stale) result stays out of L2.
    fence = undefined;
  }
  if (l2 && !options.skipL2 && fence !== undefined && !flight.fenced) {
    try {
      const bytes = await l2.encode(entry);
      const ttlMs = Math.max(1, Math.ceil(entry.staleUntil - stack.clock.now()));
      const outcome = await l2.set(ns.name, key, bytes, ttlMs, entry.tags, fence);
      if (outcome === 'fenced') {
        flight.fenced = true;
        events.emit('fenced', { namespace: ns.name, key, tier: 'l2' });
      } else {
        tiers.push('l2');
      }
    } catch (error) {
      if (error instanceof CacheStackError && error.code === 'CACHESTACK_SERIALIZATION')
        throw error;
      // L2 trouble was reported by the remote tier; the value still goes to L1.
    }
  }
  if (flight.fenced) {
    if (events.has('fenced')) events.emit('fenced', { namespace: ns.name, key, tier: 'l1' });
    return;
  }
  if (!options.skipL1 && stack.l1Set(ns, l1Key, entry, false)) tiers.push('l1');
  if (tiers.length > 0) {
    const ttlMs = entry.freshUntil - entry.createdAt;
    if (events.has('set')) events.emit('set', { namespace: ns.name, key, ttlMs, tiers });
    if (coreChannels.write.hasSubscribers) {
      coreChannels.write.publish({ namespace: ns.name, key, tiers, ttlMs });
    }
  }
}
