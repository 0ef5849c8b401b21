import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { InvalidOptionError } from '@cachestack/core';
import { type Attributes, type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { channelNames } from './names.js';

/** Tracing options of `instrument(cache, { tracer })`. */
export interface TracingOptions {
  /**
   * Opts into spans: one per load (a `getOrSet` miss that ran the loader), per L2 call,
   * per lock acquisition and, with `rateLimitSpans`, per rate-limit check. A tracer from
   * `@opentelemetry/api` is a no-op until an SDK is registered.
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
   * A span per L2 call and per lock acquisition, from the process-wide
   * `cachestack:core:l2` and `cachestack:locking:*` channels: with several instrumented
   * caches, enable them on one only.
   * @defaultValue `true`
   */
  readonly storeSpans?: boolean;
  /**
   * A span per rate-limit check (`cachestack:ratelimit:decision`, process-wide).
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
}

/** Span names. */
export const spanNames = {
  load: 'cachestack.load',
  l2: 'cachestack.l2',
  lockWait: 'cachestack.lock.wait',
  rateLimit: 'cachestack.ratelimit.check',
} as const;

/** Milliseconds since the epoch, sub-millisecond precise (what OpenTelemetry takes as a time). */
const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * Starts tracing `cache` (see {@link TracingOptions}); returns the function that stops it.
 * Spans are built from what core and the satellites publish once an operation is over
 * (its duration): a span starts at the operation's start, in the context active when the
 * operation finished (the caller's), so it nests under the caller's span; spans the loader
 * itself creates are its siblings, not its children.
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
  const hashKeys = options.hashKeys === true;
  const keyAttrs = (attributes: Attributes, key: unknown): Attributes => {
    if (hashKeys && typeof key === 'string') attributes['cachestack.key_hash'] = hashKey(key);
    return attributes;
  };
  /** A finished span of `durationMs` ending now. */
  const record = (name: string, durationMs: number, attributes: Attributes, error?: unknown) => {
    const end = nowMs();
    const span: Span = tracer.startSpan(name, {
      startTime: end - Math.max(0, durationMs),
      attributes: { ...base, ...attributes },
    });
    if (error !== undefined)
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
    span.end(end);
  };

  const offs: Array<() => void> = [];
  offs.push(
    cache.on('load', (p) => {
      record(
        spanNames.load,
        p.durationMs,
        keyAttrs(
          {
            'cachestack.namespace': p.namespace,
            'cachestack.tier': 'loader',
            'cachestack.outcome': p.ok ? 'ok' : 'error',
          },
          p.key,
        ),
        p.ok ? undefined : 'LoaderError',
      );
    }),
  );

  const on = (name: string, handler: (message: unknown) => void) => {
    subscribe(name, handler);
    offs.push(() => unsubscribe(name, handler));
  };
  if (options.storeSpans !== false) {
    on(channelNames.coreL2, (message) => {
      const m = message as {
        operation?: unknown;
        durationMs?: unknown;
        ok?: unknown;
        error?: unknown;
      };
      if (typeof m?.durationMs !== 'number' || typeof m.operation !== 'string') return;
      const ok = m.ok !== false;
      record(
        spanNames.l2,
        m.durationMs,
        {
          'cachestack.tier': 'l2',
          'cachestack.operation': m.operation,
          'cachestack.outcome': ok ? 'ok' : 'error',
        },
        ok ? undefined : (m.error ?? 'Error'),
      );
    });
    const lock = (outcome: 'acquired' | 'timeout') => (message: unknown) => {
      const m = message as {
        kind?: unknown;
        resource?: unknown;
        waitMs?: unknown;
        contended?: unknown;
      };
      if (typeof m?.waitMs !== 'number') return;
      const attributes: Attributes = {
        'cachestack.tier': 'lock',
        'cachestack.outcome': outcome,
        'cachestack.lock.kind': String(m.kind),
      };
      if (typeof m.contended === 'boolean') attributes['cachestack.lock.contended'] = m.contended;
      record(
        spanNames.lockWait,
        m.waitMs,
        keyAttrs(attributes, m.resource),
        outcome === 'timeout' ? 'LockTimeoutError' : undefined,
      );
    };
    on(channelNames.lockAcquire, lock('acquired'));
    on(channelNames.lockTimeout, lock('timeout'));
  }
  if (options.rateLimitSpans === true) {
    on(channelNames.rateLimitDecision, (message) => {
      const m = message as { key?: unknown; decision?: { allowed?: unknown; source?: unknown } };
      if (m?.decision === undefined) return;
      record(
        spanNames.rateLimit,
        0,
        keyAttrs(
          {
            'cachestack.tier': 'ratelimit',
            'cachestack.outcome': m.decision.allowed === true ? 'allowed' : 'rejected',
            'cachestack.ratelimit.source': String(m.decision.source),
          },
          m.key,
        ),
      );
    });
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

/** The error's code or class name only: messages may quote keys. */
function errorName(error: unknown): string {
  if (typeof error === 'string') return error;
  const e = error as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}
