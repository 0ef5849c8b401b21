import { type Clock, InvalidOptionError, systemClock } from '@cachestack/core';

/** The part of a cache the probe drives (a `Cache` or one of its namespaces). */
export interface ProbedCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** Options of {@link coherenceProbe}. */
export interface CoherenceProbeOptions {
  /** Keys written and read. @defaultValue 4 */
  readonly keys?: number;
  /** Writes, spread round-robin over the caches. @defaultValue 40 */
  readonly writes?: number;
  /** Pause between writes, in ms. @defaultValue 5 */
  readonly writeIntervalMs?: number;
  /**
   * Staleness allowed, in ms: a read that returns a version older than one committed more
   * than `boundMs` before the read started is a violation.
   * @defaultValue 100
   */
  readonly boundMs?: number;
  /** Prefix of the probe's keys. @defaultValue 'coherence-probe' */
  readonly keyPrefix?: string;
  /** Clock of pauses and lag measurement. @defaultValue systemClock */
  readonly clock?: Clock;
}

/** One read that returned an older version than one already committed. */
export interface StaleRead {
  /** The key read. */
  readonly key: string;
  /** Index of the cache that answered. */
  readonly cache: number;
  /** Version returned. */
  readonly got: number;
  /** Newest version committed before the read started. */
  readonly latest: number;
  /** How long before the read the first newer version was committed, ms. */
  readonly lagMs: number;
}

/** What {@link coherenceProbe} saw. */
export interface CoherenceReport {
  /** Writes made. */
  readonly writes: number;
  /** Reads made. */
  readonly reads: number;
  /** Reads that returned an older version, within the bound or not. */
  readonly staleReads: number;
  /** Stale reads past the bound (capped at 100 entries; `staleReads` has the count). */
  readonly violations: readonly StaleRead[];
  /** Number of stale reads past the bound. */
  readonly violationCount: number;
  /** Longest staleness seen, ms. */
  readonly maxLagMs: number;
  /** Whether no read was stale past the bound. */
  readonly ok: boolean;
  /** One line per finding, for a test failure message. */
  readonly summary: string;
}

interface Committed {
  readonly version: number;
  readonly at: number;
}

function positiveInt(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min)
    throw new InvalidOptionError(name, `must be an integer >= ${min}`);
  return v;
}

/** The version in a probe value, or undefined for a miss or a foreign value. */
function versionOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const version = (value as { probeVersion?: unknown }).probeVersion;
  return typeof version === 'number' ? version : undefined;
}

/**
 * Drives writers and readers over several cache instances (sharing an L2 and a bus, like
 * replicas of one service) and reports reads that returned a value older than one
 * committed more than `boundMs` earlier: the bounded-staleness guarantee, measured. A
 * writer writes `{ probeVersion }` values round-robin through the caches while every cache
 * reads every key in a loop; after the last write the probe waits `boundMs` and reads
 * every key on every cache once more, so an instance that missed an invalidation for good
 * is always caught. A miss is never stale (the caller would load fresh data).
 * @throws InvalidOptionError when there are fewer than two caches or an option is malformed.
 */
export async function coherenceProbe(
  caches: readonly ProbedCache[],
  options: CoherenceProbeOptions = {},
): Promise<CoherenceReport> {
  if (!Array.isArray(caches) || caches.length < 2) {
    throw new InvalidOptionError('caches', 'must hold at least two caches');
  }
  for (const cache of caches) {
    if (typeof cache?.get !== 'function' || typeof cache.set !== 'function') {
      throw new InvalidOptionError('caches', 'each must have get(key) and set(key, value)');
    }
  }
  const keyCount = positiveInt('keys', options.keys, 4, 1);
  const writes = positiveInt('writes', options.writes, 40, 1);
  const writeIntervalMs = positiveInt('writeIntervalMs', options.writeIntervalMs, 5, 0);
  const boundMs = positiveInt('boundMs', options.boundMs, 100, 0);
  const clock = options.clock ?? systemClock;
  const prefix = options.keyPrefix ?? 'coherence-probe';
  const keys = Array.from({ length: keyCount }, (_, i) => `${prefix}:${i}`);
  const history = new Map<string, Committed[]>(keys.map((k) => [k, []]));
  const pause = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const violations: StaleRead[] = [];
  let violationCount = 0;
  let reads = 0;
  let staleReads = 0;
  let maxLagMs = 0;

  const read = async (cache: number, key: string): Promise<void> => {
    const startedAt = clock.monotonic();
    const committed = history.get(key)!.filter((c) => c.at <= startedAt);
    const got = versionOf(await caches[cache]!.get(key));
    reads++;
    if (got === undefined || committed.length === 0) return;
    const latest = committed[committed.length - 1]!.version;
    if (got >= latest) return;
    staleReads++;
    const firstNewer = committed.find((c) => c.version > got)!;
    const lagMs = startedAt - firstNewer.at;
    maxLagMs = Math.max(maxLagMs, lagMs);
    if (lagMs > boundMs) {
      violationCount++;
      if (violations.length < 100) violations.push({ key, cache, got, latest, lagMs });
    }
  };

  // Seed every key so that every cache holds a version in L1 before the race starts.
  let version = 0;
  for (const key of keys) {
    await caches[0]!.set(key, { probeVersion: ++version });
    history.get(key)!.push({ version, at: clock.monotonic() });
    for (let c = 0; c < caches.length; c++) await read(c, key);
  }

  let writing = true;
  const writer = (async () => {
    try {
      for (let i = 0; i < writes; i++) {
        const key = keys[i % keys.length]!;
        await caches[i % caches.length]!.set(key, { probeVersion: ++version });
        history.get(key)!.push({ version, at: clock.monotonic() });
        await pause(writeIntervalMs);
      }
    } finally {
      writing = false;
    }
  })();
  const readers = caches.map(async (_, c) => {
    let i = c;
    while (writing) {
      await read(c, keys[i++ % keys.length]!);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  });
  await Promise.all([writer, ...readers]);
  await pause(boundMs + 1);
  for (const key of keys) for (let c = 0; c < caches.length; c++) await read(c, key);

  const lines = violations.map(
    (v) =>
      `cache ${v.cache} returned version ${v.got} of ${v.key} ${Math.round(v.lagMs)} ms after a newer version was written (latest ${v.latest})`,
  );
  const summary =
    violationCount === 0
      ? `${reads} reads over ${caches.length} caches, ${staleReads} stale within ${boundMs} ms, none past it`
      : `${violationCount} of ${reads} reads were stale for more than ${boundMs} ms:\n${lines.join('\n')}`;
  return {
    writes,
    reads,
    staleReads,
    violations,
    violationCount,
    maxLagMs,
    ok: violationCount === 0,
    summary,
  };
}
