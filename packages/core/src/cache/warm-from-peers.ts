import { InvalidOptionError } from '../contracts/errors.js';
import { estimateSize } from '../tiers/size-of.js';
import { intOption } from './resolve-options.js';
import type { CacheView } from './view.js';

/** Options of `warmFromPeers`. */
export interface WarmFromPeersOptions {
  /** Most keys copied. @defaultValue 1000 */
  readonly maxKeys?: number;
  /** Most estimated bytes copied. @defaultValue 16 MiB */
  readonly maxBytes?: number;
}

/**
 * Copies the union of the peers' hot keys from L2 into this instance's L1, bounded by
 * count and estimated bytes. Needs `hotKeys.exchange` and an L2.
 */
export async function warmFromPeers(
  view: CacheView,
  options: WarmFromPeersOptions,
): Promise<{ warmed: number; considered: number }> {
  const { stack } = view;
  const exchange = stack.hotKeys?.exchange;
  const l2 = stack.l2;
  if (!exchange || !l2)
    throw new InvalidOptionError(
      'hotKeys.exchange',
      'warmFromPeers needs hotKeys.exchange and an L2',
    );
  const maxKeys = intOption('maxKeys', options.maxKeys, 1, 1000);
  const maxBytes = intOption('maxBytes', options.maxBytes, 1, 16 * 1024 * 1024);
  const peers = (await exchange.collect(stack.hotKeys!.instanceId)).slice(0, maxKeys);
  const byNamespace = new Map<string, string[]>();
  for (const hot of peers) {
    const list = byNamespace.get(hot.namespace) ?? [];
    list.push(hot.key);
    byNamespace.set(hot.namespace, list);
  }
  let warmed = 0;
  let bytes = 0;
  const rootName = stack.rootName;
  for (const [name, keys] of byNamespace) {
    const ns = stack.namespace(name, name === rootName);
    const { entries } = await l2.getMany(name, keys, false);
    const now = stack.clock.now();
    for (let i = 0; i < keys.length; i++) {
      const entry = entries[i];
      if (!entry || entry.freshUntil <= now) continue;
      bytes += estimateSize(entry.value);
      if (bytes > maxBytes) return { warmed, considered: peers.length };
      if (stack.l1Set(ns, ns.l1Prefix + keys[i]!, entry, false)) warmed++;
    }
  }
  return { warmed, considered: peers.length };
}
