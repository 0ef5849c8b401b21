import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { InvalidOptionError } from '@cachestack/core';
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { channelNames, traceChannelNames } from './names.js';

/** Tracing options of `instrument(cache, { tracer })`. */
export interface TracingOptions {
  /**
   * Opts into spans: one per load (a `getOrSet` L1 miss: its L2 read, lock wait and
   * loader run), per L2 call and per lock wait of this cache and, with `rateLimitSpans`,
   * per rate-limit check. A tracer from `@opentelemetry/api` is a no-op until an SDK is
   * registered.
   * @defaultValue none (no spans)
   */
  readonly tracer?: Tracer;
  /**
   * Add `cachestack.key_hash` (SHA-256 of the key, first 16 hex digits) to load, lock and
   * rate-limit spans. Keys may hold personal data, so no key value is recorded by default.
   * @defaultValue `false`
   */
  readonly hashKeys?: boolean;
  /**
   * A span per L2 call and per lock wait of this cache (other caches' calls are ignored).
   * @defaultValue `true`
   */
  readonly storeSpans?: boolean;
  /**
   * A span per rate-limit check (`cachestack:ratelimit:decision`). Rate limiters belong to
   * no cache: with several instrumented caches, enable it on one only.
   * @defaultValue `false`
   */
  readonly rateLimitSpans?: boolean;
}

/** What tracing needs of a cache. */
export interface TraceableCache {
  on(
    name: 'load',
    listener: (payload: {
      namespace: string;
      key: string;
      durationMs: number;
      ok: boolean;
    }) => void,
  ): () => void;
  /** Identifies the cache in core's diagnostics messages (`@cachestack/core` `Cache`). */
  readonly diagnosticsId?: object;
}

/** Span names. */
export const spanNames = {
  load: 'cachestack.load',
  l2: 'cachestack.l2',
  lockWait: 'cachestack.lock.wait',
  rateLimit: 'cachestack.ratelimit.check',
} as const;

/** A message of core's tracing channels (`CoreTraceContext`, plus `error` once failed). */
interface TraceMessage {
  readonly cache?: unknown;
  readonly namespace?: unknown;
  readonly key?: unknown;
  readonly operation?: unknown;
  readonly error?: unknown;
}

/** An open load span, and what its loader did (`undefined`: no loader ran). */
interface LoadScope {
  readonly span: Span;
  loader: 'ok' | 'error' | undefined;
}

/** Milliseconds since the epoch, sub-millisecond precise (what OpenTelemetry takes as a time). */
const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * Starts tracing `cache` (see {@link TracingOptions}); returns the function that stops it.
 * Load, L2 and lock-wait spans open when core starts the operation (its
 * `cachestack:core:*` tracing channels, filtered on the cache's `diagnosticsId`) and end
 * when it settles. A load span is a child of the context active when the load started (the
 * caller's span); the L2 reads and the lock wait of that load are children of the load
 * span. Spans the loader itself creates are children of the caller's span, not of the
 * load span (the load span is not made the active OpenTelemetry context). Rate-limit spans
 * are built once the decision is known, from its `durationMs`.
 */
export function startTracing(
  cache: TraceableCache,
  options: TracingOptions,
  base: Attributes = {},
): () => void {
  const tracer = options.tracer;
  if (
    tracer === null ||
    typeof tracer !== 'object' ||
    typeof (tracer as Tracer).startSpan !== 'function'
  ) {
    throw new InvalidOptionError('tracer', 'expected an OpenTelemetry Tracer');
  }
  for (const name of ['hashKeys', 'storeSpans', 'rateLimitSpans'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      throw new InvalidOptionError(name, 'expected a boolean');
    }
  }
  const identity = cache.diagnosticsId;
  if (identity === null || typeof identity !== 'object') {
    throw new InvalidOptionError('cache', 'tracing needs a cache with a diagnosticsId');
  }
  const hashKeys = options.hashKeys === true;
  const keyAttrs = (attributes: Attributes, key: unknown): Attributes => {
    if (hashKeys && typeof key === 'string') attributes['cachestack.key_hash'] = hashKey(key);
    return attributes;
  };
  const scopes = new AsyncLocalStorage<LoadScope | undefined>();
  /** The parent of a span starting now: the load in progress, else the active context. */
  const parent = (): Context => {
    const scope = scopes.getStore();
    return scope === undefined ? context.active() : trace.setSpan(context.active(), scope.span);
  };
  const open = (name: string, attributes: Attributes): Span =>
    tracer.startSpan(name, { attributes: { ...base, ...attributes } }, parent());
  const ours = (m: TraceMessage): boolean => m.cache === identity;
  const namespaceOf = (m: TraceMessage): string => String(m.namespace);

  const offs: Array<() => void> = [];
  /** Subscribes to `start` and to the end of an operation (`end` when it threw synchronously, else `asyncEnd`). */
  const traced = (
    name: string,
    onStart: ((m: TraceMessage) => void) | undefined,
    onEnd: (m: TraceMessage) => void,
  ) => {
    const channel = tracingChannel<unknown, TraceMessage>(name);
    const handlers = {
      start: onStart ?? (() => {}),
      end: (m: TraceMessage) => {
        if ('error' in m) onEnd(m);
      },
      asyncStart: () => {},
      asyncEnd: onEnd,
      error: () => {},
    };
    channel.subscribe(handlers);
    offs.push(() => channel.unsubscribe(handlers));
    return channel;
  };

  // Loads: the span is the async-local scope of the load, so its L2 reads and lock wait
  // (which start inside it) find it as their parent.
  const loadSpans = new WeakMap<object, LoadScope>();
  const loads = traced(traceChannelNames.load, undefined, (m) => {
    const scope = loadSpans.get(m);
    if (scope === undefined) return;
    loadSpans.delete(m);
    const failed = 'error' in m || scope.loader === 'error';
    scope.span.setAttributes({
      'cachestack.tier': scope.loader === undefined ? 'l2' : 'loader',
      'cachestack.outcome': failed ? 'error' : scope.loader === undefined ? 'hit' : 'ok',
    });
    if (failed) {
      const error = 'error' in m ? m.error : 'LoaderError';
      scope.span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
    }
    scope.span.end();
  });
  loads.start.bindStore(scopes, (m) => {
    if (!ours(m)) return scopes.getStore();
    const scope: LoadScope = {
      span: open(spanNames.load, keyAttrs({ 'cachestack.namespace': namespaceOf(m) }, m.key)),
      loader: undefined,
    };
    loadSpans.set(m, scope);
    return scope;
  });
  offs.push(() => loads.start.unbindStore(scopes));
  offs.push(
    cache.on('load', (p) => {
      const scope = scopes.getStore();
      if (scope !== undefined) scope.loader = p.ok ? 'ok' : 'error';
    }),
  );

  if (options.storeSpans !== false) {
    const spans = new WeakMap<object, Span>();
    const end = (m: TraceMessage, outcome: (error: unknown) => string, ok: string) => {
      const span = spans.get(m);
      if (span === undefined) return;
      spans.delete(m);
      if ('error' in m) {
        span.setAttribute('cachestack.outcome', outcome(m.error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(m.error) });
      } else span.setAttribute('cachestack.outcome', ok);
      span.end();
    };
    traced(
      traceChannelNames.l2,
      (m) => {
        if (!ours(m)) return;
        const attributes: Attributes = {
          'cachestack.namespace': namespaceOf(m),
          'cachestack.tier': 'l2',
          'cachestack.operation': String(m.operation),
        };
        spans.set(m, open(spanNames.l2, attributes));
      },
      (m) => end(m, () => 'error', 'ok'),
    );
    traced(
      traceChannelNames.lockWait,
      (m) => {
        if (!ours(m)) return;
        const attributes: Attributes = {
          'cachestack.namespace': namespaceOf(m),
          'cachestack.tier': 'lock',
        };
        spans.set(m, open(spanNames.lockWait, keyAttrs(attributes, m.key)));
      },
      (m) => end(m, lockOutcome, 'acquired'),
    );
  }

  if (options.rateLimitSpans === true) {
    const onDecision = (message: unknown) => {
      const m = message as {
        key?: unknown;
        durationMs?: unknown;
        decision?: { allowed?: unknown; source?: unknown; rules?: unknown };
      };
      if (m?.decision === undefined) return;
      const attributes: Attributes = {
        ...base,
        'cachestack.tier': 'ratelimit',
        'cachestack.outcome': m.decision.allowed === true ? 'allowed' : 'rejected',
        'cachestack.ratelimit.source': String(m.decision.source),
      };
      const rules = Array.isArray(m.decision.rules)
        ? m.decision.rules.map((rule: { name?: unknown }) => String(rule?.name))
        : [];
      if (rules.length > 0) attributes['cachestack.ratelimit.rules'] = rules;
      const end = nowMs();
      const durationMs = typeof m.durationMs === 'number' ? Math.max(0, m.durationMs) : 0;
      // Published as the check resolves, in the caller's context: the caller's span is the parent.
      tracer
        .startSpan(
          spanNames.rateLimit,
          { startTime: end - durationMs, attributes: keyAttrs(attributes, m.key) },
          context.active(),
        )
        .end(end);
    };
    subscribe(channelNames.rateLimitDecision, onDecision);
    offs.push(() => unsubscribe(channelNames.rateLimitDecision, onDecision));
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const off of offs) off();
  };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** `timeout` for a lock timeout, `aborted` when the load no longer needed the lock. */
function lockOutcome(error: unknown): string {
  const name = errorName(error);
  if (name === 'CACHESTACK_LOCK_TIMEOUT') return 'timeout';
  return name === 'AbortError' ? 'aborted' : 'error';
}

/** The error's code or class name only: messages may quote keys. */
function errorName(error: unknown): string {
  if (typeof error === 'string') return error;
  const e = error as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}
