import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type Cache, InvalidOptionError } from '@cachestack/core';
import type {
  Attributes,
  BatchObservableCallback,
  BatchObservableResult,
  Meter,
  Observable,
} from '@opentelemetry/api';
import { coreCounters } from './core-counters.js';
import { durationHistogram, instrumentSpecs } from './instrument-specs.js';
import { channelNames, metricNames } from './names.js';
import { NamespaceCounters } from './namespace-counters.js';
import { assertMeter, assertObject } from './options.js';
import { startTracing, type TracingOptions } from './tracing.js';

/** What {@link instrument} needs of a cache (a `Cache` or any namespace view of one). */
export type InstrumentableCache = Pick<Cache, 'on' | 'stats'>;

/** Options of {@link instrument}. */
export interface InstrumentOptions extends TracingOptions {
  /**
   * The OpenTelemetry meter that creates the instruments (`metrics.getMeter('app')`).
   * Optional when `tracer` is given (spans only).
   */
  readonly meter?: Meter;
  /**
   * Attributes added to every measurement, e.g. `{ 'cachestack.cache': 'users' }` to tell
   * caches apart.
   * @defaultValue `{}`
   */
  readonly attributes?: Attributes;
  /**
   * Record L2 call durations from the `cachestack:core:l2` channel. That channel is
   * process-wide: with several instrumented caches, enable it on one only.
   * @defaultValue `true`
   */
  readonly l2Latency?: boolean;
  /**
   * The invalidation bus of the cache (anything with a `state`, e.g. a
   * `@cachestack/coherency` bus): reported as `cachestack.bus.connected` (1 or 0).
   * @defaultValue none (no bus gauge)
   */
  readonly bus?: { readonly state: string } | undefined;
  /**
   * @deprecated Also record the millisecond histograms under their 0.x names
   * (`legacyMetricNames`) next to the second-based ones, while dashboards move over.
   * Removed in the next minor version.
   * @defaultValue `false`
   */
  readonly legacyNames?: boolean;
}

/** A running instrumentation; `close()` unsubscribes everything. */
export interface Instrumentation {
  /** Unsubscribes from the cache and the channels. Idempotent. */
  close(): void;
  /** Same as `close()`. */
  [Symbol.dispose](): void;
}

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Records OpenTelemetry metrics for a cache: requests by namespace, tier and result,
 * loader and L2 latency, L1 entries and bytes, evictions, circuit state, L2 errors,
 * corrupted entries and bus messages (see {@link metricNames}).
 *
 * Hits, misses and evictions, the high-rate signals, are counted in plain integers and
 * reported through observable counters when the exporter collects, so the hot path pays
 * one increment per event and allocates nothing.
 * @throws InvalidOptionError when `meter` is missing or not a Meter.
 * @example
 * const handle = instrument(cache, { meter: metrics.getMeter('api') });
 * // ... on shutdown
 * handle.close();
 */
export function instrument(
  cache: InstrumentableCache,
  options: InstrumentOptions,
): Instrumentation {
  assertObject('options', options);
  if (typeof cache?.on !== 'function' || typeof cache.stats !== 'function') {
    throw new InvalidOptionError('cache', 'expected a cache created by createCache');
  }
  if (options.meter === undefined && options.tracer !== undefined) {
    const stop = startTracing(cache, options, { ...(options.attributes ?? {}) });
    return { close: stop, [Symbol.dispose]: stop };
  }
  assertMeter(options.meter);
  const bus = options.bus;
  if (bus !== undefined && (typeof bus !== 'object' || bus === null || !('state' in bus))) {
    throw new InvalidOptionError('bus', 'expected a bus with a state');
  }
  if (options.legacyNames !== undefined && typeof options.legacyNames !== 'boolean') {
    throw new InvalidOptionError('legacyNames', 'expected a boolean');
  }
  const base: Attributes = { ...(options.attributes ?? {}) };
  const meter = options.meter;
  // First: a bad tracer fails before any instrument is registered.
  const stopTracing = options.tracer === undefined ? undefined : startTracing(cache, options, base);

  const byNs = new Map<string, NamespaceCounters>();
  let lastName = '';
  let last: NamespaceCounters | undefined;
  const ns = (name: string): NamespaceCounters => {
    if (name === lastName && last !== undefined) return last;
    let c = byNs.get(name);
    if (c === undefined) {
      c = new NamespaceCounters(name, base);
      byNs.set(name, c);
    }
    lastName = name;
    last = c;
    return c;
  };
  const evictions = { capacity: 0, expired: 0, rejected: 0 };
  const evictAttrs = {
    capacity: { ...base, 'cachestack.reason': 'capacity' },
    expired: { ...base, 'cachestack.reason': 'expired' },
    rejected: { ...base, 'cachestack.reason': 'rejected' },
  };

  const requests = meter.createObservableCounter(metricNames.requests, instrumentSpecs.requests);
  const writes = meter.createObservableCounter(metricNames.writes, instrumentSpecs.writes);
  const evictCounter = meter.createObservableCounter(
    metricNames.evictions,
    instrumentSpecs.evictions,
  );
  const l1Entries = meter.createObservableGauge(metricNames.l1Entries, instrumentSpecs.l1Entries);
  const l1Bytes = meter.createObservableGauge(metricNames.l1Bytes, instrumentSpecs.l1Bytes);
  const inFlight = meter.createObservableGauge(
    metricNames.inFlightLoads,
    instrumentSpecs.inFlightLoads,
  );
  const pending = meter.createObservableGauge(
    metricNames.pendingInvalidations,
    instrumentSpecs.pendingInvalidations,
  );
  const circuit = meter.createObservableGauge(
    metricNames.circuitState,
    instrumentSpecs.circuitState,
  );
  const busConnected =
    bus === undefined
      ? undefined
      : meter.createObservableGauge(metricNames.busConnected, instrumentSpecs.busConnected);
  const observables: Observable[] = [
    requests,
    writes,
    evictCounter,
    l1Entries,
    l1Bytes,
    inFlight,
    pending,
    circuit,
    ...(busConnected ? [busConnected] : []),
  ];
  // With core's lookup counters, hits, misses and stale reads cost nothing here: they are
  // read at collection time. Without them, the per-lookup events are counted.
  const fromCore = coreCounters(cache) !== undefined;
  const collect: BatchObservableCallback = (result: BatchObservableResult) => {
    const stats = cache.stats();
    if (fromCore) {
      for (const n of coreCounters(cache) ?? []) {
        const c = ns(n.namespace);
        c.hitL1 = n.l1Hits;
        c.hitL2 = n.l2Hits;
        c.miss = n.misses;
        c.stale = n.stale;
      }
    }
    for (const c of byNs.values()) {
      if (c.hitL1) result.observe(requests, c.hitL1, c.attrs.hitL1);
      if (c.hitL2) result.observe(requests, c.hitL2, c.attrs.hitL2);
      if (c.miss) result.observe(requests, c.miss, c.attrs.miss);
      if (c.stale) result.observe(requests, c.stale, c.attrs.stale);
      if (c.error) result.observe(requests, c.error, c.attrs.error);
      if (c.writes) result.observe(writes, c.writes, c.attrs.writes);
    }
    for (const reason of ['capacity', 'expired', 'rejected'] as const) {
      if (evictions[reason]) result.observe(evictCounter, evictions[reason], evictAttrs[reason]);
    }
    result.observe(l1Entries, stats.l1Entries, base);
    result.observe(l1Bytes, stats.l1Bytes, base);
    result.observe(inFlight, stats.inFlightLoads, base);
    if (stats.circuit !== 'none') {
      result.observe(pending, stats.pendingInvalidations, base);
      result.observe(circuit, CIRCUIT_VALUE[stats.circuit], base);
    }
    if (busConnected && bus) result.observe(busConnected, bus.state === 'connected' ? 1 : 0, base);
  };
  meter.addBatchObservableCallback(collect, observables);

  const legacyNames = options.legacyNames === true;
  const loaderDuration = durationHistogram(meter, 'loaderDuration', legacyNames);
  const l2Errors = meter.createCounter(metricNames.l2Errors, instrumentSpecs.l2Errors);
  const corrupt = meter.createCounter(metricNames.corruptEntries, instrumentSpecs.corruptEntries);
  const transitions = meter.createCounter(
    metricNames.circuitTransitions,
    instrumentSpecs.circuitTransitions,
  );
  const busMessages = meter.createCounter(metricNames.busMessages, instrumentSpecs.busMessages);
  const fenced = meter.createCounter(metricNames.fencedWrites, instrumentSpecs.fencedWrites);
  if (cache.stats().circuit !== 'none') {
    // Error counters start at 0 so that rate() and increase() see the first failure.
    l2Errors.add(0, base);
    corrupt.add(0, base);
  }
  const stateAttrs = {
    open: { ...base, 'cachestack.state': 'open' },
    halfOpen: { ...base, 'cachestack.state': 'half-open' },
    closed: { ...base, 'cachestack.state': 'closed' },
  };
  const opAttrs = new Map<string, Attributes>();
  const attrsFor = (key: string, make: () => Attributes): Attributes => {
    let a = opAttrs.get(key);
    if (a === undefined) {
      a = make();
      opAttrs.set(key, a);
    }
    return a;
  };

  const offs: (() => void)[] = [];
  if (!fromCore) {
    offs.push(
      cache.on('hit', (p) => {
        const c = ns(p.namespace);
        if (p.tier === 'l1') c.hitL1++;
        else c.hitL2++;
      }),
      cache.on('miss', (p) => {
        ns(p.namespace).miss++;
      }),
      cache.on('stale', (p) => {
        ns(p.namespace).stale++;
      }),
    );
  }
  offs.push(
    cache.on('set', (p) => {
      ns(p.namespace).writes++;
    }),
    cache.on('load', (p) => {
      const c = ns(p.namespace);
      if (!p.ok) c.error++;
      loaderDuration.record(p.durationMs, p.ok ? c.loadOk : c.loadError);
    }),
    cache.on('evict', (p) => {
      evictions[p.reason]++;
    }),
    cache.on('store:error', (p) => {
      l2Errors.add(
        1,
        attrsFor(`e:${p.operation}`, () => ({ ...base, 'cachestack.operation': p.operation })),
      );
    }),
    cache.on('store:corrupt', (p) => {
      corrupt.add(
        1,
        attrsFor(`c:${p.namespace}`, () => ({ ...base, 'cachestack.namespace': p.namespace })),
      );
    }),
    cache.on('circuit:open', () => transitions.add(1, stateAttrs.open)),
    cache.on('circuit:half-open', () => transitions.add(1, stateAttrs.halfOpen)),
    cache.on('circuit:close', () => transitions.add(1, stateAttrs.closed)),
    cache.on('bus:message', (p) => {
      busMessages.add(
        1,
        attrsFor(`b:${p.namespace}\0${p.type}`, () => ({
          ...base,
          'cachestack.namespace': p.namespace,
          'cachestack.message_type': p.type,
        })),
      );
    }),
    cache.on('fenced', (p) => {
      fenced.add(
        1,
        attrsFor(`f:${p.namespace}\0${p.tier}`, () => ({
          ...base,
          'cachestack.namespace': p.namespace,
          'cachestack.tier': p.tier,
        })),
      );
    }),
  );

  if (options.l2Latency !== false) {
    const l2Duration = durationHistogram(meter, 'l2Duration', legacyNames);
    const onL2 = (message: unknown): void => {
      const m = message as { operation?: unknown; durationMs?: unknown; ok?: unknown };
      if (typeof m?.durationMs !== 'number' || typeof m.operation !== 'string') return;
      const ok = m.ok !== false;
      const op = m.operation;
      l2Duration.record(
        m.durationMs,
        attrsFor(`d:${op}\0${ok}`, () => ({
          ...base,
          'cachestack.operation': op,
          'cachestack.outcome': ok ? 'ok' : 'error',
        })),
      );
    };
    subscribe(channelNames.coreL2, onL2);
    offs.push(() => unsubscribe(channelNames.coreL2, onL2));
  }

  if (stopTracing !== undefined) offs.push(stopTracing);

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const off of offs) off();
    meter.removeBatchObservableCallback(collect, observables);
  };
  return { close, [Symbol.dispose]: close };
}
