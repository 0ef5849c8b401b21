import type { Cache } from '@cachestack/core';
import { LatencySample } from './latency.js';

/** Counters of one namespace. */
export interface NamespaceCounts {
  l1: number;
  l2: number;
  miss: number;
  stale: number;
  loads: number;
  loadErrors: number;
}

/** One point of the dashboard's time series. */
export interface SeriesPoint {
  /** End of the slice, epoch ms. */
  readonly t: number;
  /** Reads per namespace during the slice. */
  readonly ns: Readonly<Record<string, NamespaceCounts>>;
  /** Read latency percentiles of the slice (ms), as seen by the API's services. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly l1Entries: number;
  readonly l1Bytes: number;
  readonly l2Errors: number;
  readonly circuit: string;
  readonly bus: string;
}

/** Options of {@link StatsRecorder}. */
export interface StatsRecorderOptions {
  /** Length of one slice of the time series. @defaultValue 2000 */
  readonly sliceMs?: number;
  /** Slices kept. @defaultValue 150 */
  readonly maxPoints?: number;
  /** Clock. @defaultValue Date.now */
  readonly now?: () => number;
}

const empty = (): NamespaceCounts => ({ l1: 0, l2: 0, miss: 0, stale: 0, loads: 0, loadErrors: 0 });

/**
 * Turns a cache's events into the figures the dashboard, the health score and the
 * Prometheus endpoint show: totals since start, and a time series of slices.
 */
export class StatsRecorder {
  readonly sliceMs: number;
  readonly #maxPoints: number;
  readonly #now: () => number;
  readonly totals = new Map<string, NamespaceCounts>();
  l2Errors = 0;
  circuitOpens = 0;
  busMessages = 0;
  readonly latency = new LatencySample(8192);
  readonly loadLatency = new LatencySample(4096);
  #slice = new Map<string, NamespaceCounts>();
  #sliceLatency = new LatencySample(4096);
  #sliceL2Errors = 0;
  #sliceStart: number;
  readonly #points: SeriesPoint[] = [];
  #unsubscribe: (() => void)[] = [];
  #cache: Cache | undefined;
  #busState: () => string = () => 'none';
  readonly #listeners = new Set<(name: 'latency', ms: number) => void>();
  #muted = 0;

  constructor(options: StatsRecorderOptions = {}) {
    this.sliceMs = options.sliceMs ?? 2000;
    this.#maxPoints = options.maxPoints ?? 150;
    this.#now = options.now ?? Date.now;
    this.#sliceStart = this.#now();
  }

  /** Subscribes to a cache's events (replacing a previous cache after a reconfiguration). */
  attach(cache: Cache, busState: () => string): void {
    for (const off of this.#unsubscribe) off();
    this.#cache = cache;
    this.#busState = busState;
    const count = (ns: string, field: keyof NamespaceCounts) => {
      if (this.#muted > 0) return;
      this.#roll();
      for (const map of [this.totals, this.#slice]) {
        let c = map.get(ns);
        if (c === undefined) {
          c = empty();
          map.set(ns, c);
        }
        c[field]++;
      }
    };
    this.#unsubscribe = [
      cache.on('hit', (e) => count(e.namespace, e.tier)),
      cache.on('miss', (e) => count(e.namespace, 'miss')),
      cache.on('stale', (e) => count(e.namespace, 'stale')),
      cache.on('load', (e) => {
        count(e.namespace, e.ok ? 'loads' : 'loadErrors');
        this.loadLatency.add(e.durationMs);
      }),
      cache.on('store:error', () => {
        this.#roll();
        this.l2Errors++;
        this.#sliceL2Errors++;
      }),
      cache.on('circuit:open', () => {
        this.circuitOpens++;
      }),
      cache.on('bus:message', () => {
        this.busMessages++;
      }),
    ];
  }

  /**
   * Stops counting reads until the returned function is called: the consistency check's
   * tier-by-tier reads are not traffic and must not move the hit rates.
   */
  mute(): () => void {
    this.#muted++;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.#muted--;
      }
    };
  }

  /** Records the latency of one API read (ms). */
  recordLatency(ms: number): void {
    this.#roll();
    this.latency.add(ms);
    this.#sliceLatency.add(ms);
    for (const l of this.#listeners) l('latency', ms);
  }

  /** Called with every latency recorded (Prometheus histogram). */
  onLatency(listener: (name: 'latency', ms: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The time series, oldest first (closes the current slice when due). */
  series(): SeriesPoint[] {
    this.#roll();
    return [...this.#points];
  }

  /** Sums of the last `windowMs` of slices plus the current one. */
  window(windowMs: number): { counts: NamespaceCounts; l2Errors: number; p95: number } {
    this.#roll();
    const since = this.#now() - windowMs;
    const counts = empty();
    let l2Errors = this.#sliceL2Errors;
    const add = (c: NamespaceCounts) => {
      for (const k of Object.keys(counts) as (keyof NamespaceCounts)[]) counts[k] += c[k];
    };
    for (const c of this.#slice.values()) add(c);
    let p95 = this.#sliceLatency.percentiles([95])[0]!;
    for (const p of this.#points) {
      if (p.t < since) continue;
      for (const c of Object.values(p.ns)) add(c);
      l2Errors += p.l2Errors;
      p95 = Math.max(p95, p.p95);
    }
    return { counts, l2Errors, p95 };
  }

  /** Closes every due slice. */
  #roll(): void {
    const now = this.#now();
    if (now - this.#sliceStart < this.sliceMs) return;
    const [p50, p95, p99] = this.#sliceLatency.percentiles([50, 95, 99]);
    const stats = this.#cache?.stats();
    const ns: Record<string, NamespaceCounts> = {};
    for (const [name, c] of this.#slice) ns[name] = c;
    this.#points.push({
      t: this.#sliceStart + this.sliceMs,
      ns,
      p50: p50!,
      p95: p95!,
      p99: p99!,
      l1Entries: stats?.l1Entries ?? 0,
      l1Bytes: stats?.l1Bytes ?? 0,
      l2Errors: this.#sliceL2Errors,
      circuit: stats?.circuit ?? 'none',
      bus: this.#busState(),
    });
    if (this.#points.length > this.#maxPoints) this.#points.shift();
    this.#slice = new Map();
    this.#sliceLatency = new LatencySample(4096);
    this.#sliceL2Errors = 0;
    // Idle time produces no points; the next slice starts now.
    this.#sliceStart = now - ((now - this.#sliceStart) % this.sliceMs);
  }

  /** Unsubscribes from the cache. */
  close(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#listeners.clear();
  }
}
