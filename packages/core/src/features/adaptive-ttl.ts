import { LRUCache } from 'lru-cache';
import { crc32 } from '../codec/crc32.js';
import { jsonSerializer } from '../codec/serializer.js';
import type { AdaptiveTtlOptions } from '../contracts/options.js';

interface KeyState {
  digest: number;
  ttlMs: number;
}

/**
 * Derives an entry's TTL from how often its loaded value actually changes.
 *
 * Rule: the first load of a key uses the call's `ttl` clamped to [minMs, maxMs]. Each
 * later load compares a CRC-32 digest of the serialized value with the previous one:
 * unchanged → TTL × factor; changed → TTL ÷ factor; always clamped to [minMs, maxMs].
 * So a stable value converges to `maxMs` and a volatile one to `minMs`, geometrically.
 * State is per process, bounded (LRU of `maxKeys` keys).
 */
export class AdaptiveTtl {
  readonly #state: LRUCache<string, KeyState>;

  constructor(maxKeys = 10_000) {
    this.#state = new LRUCache({ max: maxKeys });
  }

  /** The TTL to use for a freshly loaded value, and whether it changed since last time. */
  next(
    key: string,
    value: unknown,
    baseTtlMs: number,
    options: AdaptiveTtlOptions,
  ): { ttlMs: number; changed: boolean | undefined } {
    const factor = options.factor ?? 2;
    let digest: number;
    try {
      digest = crc32(jsonSerializer.serialize(value));
    } catch {
      return { ttlMs: clamp(baseTtlMs, options), changed: undefined };
    }
    const previous = this.#state.get(key);
    if (!previous) {
      const ttlMs = clamp(baseTtlMs, options);
      this.#state.set(key, { digest, ttlMs });
      return { ttlMs, changed: undefined };
    }
    const changed = previous.digest !== digest;
    const ttlMs = clamp(changed ? previous.ttlMs / factor : previous.ttlMs * factor, options);
    previous.digest = digest;
    previous.ttlMs = ttlMs;
    return { ttlMs, changed };
  }

  /** Forgets a key (e.g. on delete). */
  forget(key: string): void {
    this.#state.delete(key);
  }
}

function clamp(ttlMs: number, bounds: AdaptiveTtlOptions): number {
  return Math.round(Math.min(bounds.maxMs, Math.max(bounds.minMs, ttlMs)));
}
