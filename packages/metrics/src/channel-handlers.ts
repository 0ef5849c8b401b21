import type { Attributes, Meter } from '@opentelemetry/api';
import { channelNames, metricNames } from './names.js';

/** Handles one message of a diagnostics channel. Messages are untrusted: check fields. */
export type ChannelHandler = (message: unknown) => void;

/**
 * Creates the handler of one channel. Called once per {@link instrumentChannels} call with
 * the meter (create instruments here, not per message) and the base attributes.
 */
export type ChannelHandlerFactory = (meter: Meter, attributes: Attributes) => ChannelHandler;

type Msg = Record<string, unknown>;

/** Pre-bound attribute objects, created once per distinct combination. */
function attrCache(base: Attributes) {
  const map = new Map<string, Attributes>();
  return (key: string, extra: () => Attributes): Attributes => {
    let a = map.get(key);
    if (a === undefined) {
      a = { ...base, ...extra() };
      map.set(key, a);
    }
    return a;
  };
}

const str = (v: unknown, fallback = 'unknown'): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

function compressionHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.compressionEncode]: (meter, base) => {
      const ratio = meter.createHistogram(metricNames.compressionRatio, {
        description: 'Compressed size / original size per compression run (lower is better)',
        advice: { explicitBucketBoundaries: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
      });
      const bytes = meter.createCounter(metricNames.compressionBytes, { unit: 'By' });
      const duration = meter.createHistogram(metricNames.compressionDuration, { unit: 'ms' });
      const attrs = attrCache(base);
      return (message) => {
        const m = message as Msg;
        const bytesIn = num(m?.bytesIn);
        const bytesOut = num(m?.bytesOut);
        if (bytesIn === undefined || bytesOut === undefined || bytesIn <= 0) return;
        const algorithm = str(m.algorithm);
        const a = attrs(algorithm, () => ({ 'cachestack.algorithm': algorithm }));
        ratio.record(bytesOut / bytesIn, a);
        bytes.add(
          bytesIn,
          attrs(`in:${algorithm}`, () => ({
            'cachestack.algorithm': algorithm,
            'cachestack.direction': 'in',
          })),
        );
        bytes.add(
          bytesOut,
          attrs(`out:${algorithm}`, () => ({
            'cachestack.algorithm': algorithm,
            'cachestack.direction': 'out',
          })),
        );
        const ms = num(m.durationMs);
        if (ms !== undefined) {
          duration.record(
            ms,
            attrs(`enc:${algorithm}`, () => ({
              'cachestack.algorithm': algorithm,
              'cachestack.phase': 'encode',
            })),
          );
        }
      };
    },
    [channelNames.compressionDecode]: (meter, base) => {
      const duration = meter.createHistogram(metricNames.compressionDuration, { unit: 'ms' });
      const attrs = attrCache(base);
      return (message) => {
        const m = message as Msg;
        const ms = num(m?.durationMs);
        if (ms === undefined) return;
        const algorithm = str(m.algorithm);
        duration.record(
          ms,
          attrs(algorithm, () => ({
            'cachestack.algorithm': algorithm,
            'cachestack.phase': 'decode',
          })),
        );
      };
    },
    [channelNames.compressionSkip]: (meter, base) => {
      const skips = meter.createCounter(metricNames.compressionSkips);
      const attrs = attrCache(base);
      return (message) => {
        const reason = str((message as Msg)?.reason);
        skips.add(
          1,
          attrs(reason, () => ({ 'cachestack.reason': reason })),
        );
      };
    },
    [channelNames.compressionError]: (meter, base) => {
      const errors = meter.createCounter(metricNames.compressionErrors);
      return () => errors.add(1, base);
    },
  };
}

function lockingHandlers(): Record<string, ChannelHandlerFactory> {
  const wait =
    (outcome: 'acquired' | 'timeout'): ChannelHandlerFactory =>
    (meter, base) => {
      const histogram = meter.createHistogram(metricNames.lockWait, { unit: 'ms' });
      const attrs = attrCache(base);
      return (message) => {
        const m = message as Msg;
        const ms = num(m?.waitMs);
        if (ms === undefined) return;
        const kind = str(m.kind);
        histogram.record(
          ms,
          attrs(kind, () => ({ 'cachestack.lock_kind': kind, 'cachestack.outcome': outcome })),
        );
      };
    };
  return {
    [channelNames.lockAcquire]: wait('acquired'),
    [channelNames.lockTimeout]: wait('timeout'),
    [channelNames.lockRelease]: (meter, base) => {
      const held = meter.createHistogram(metricNames.lockHeld, { unit: 'ms' });
      const attrs = attrCache(base);
      return (message) => {
        const m = message as Msg;
        const ms = num(m?.heldMs);
        if (ms === undefined) return;
        const kind = str(m.kind);
        held.record(
          ms,
          attrs(kind, () => ({ 'cachestack.lock_kind': kind })),
        );
      };
    },
    [channelNames.lockLost]: (meter, base) => {
      const lost = meter.createCounter(metricNames.locksLost);
      const attrs = attrCache(base);
      return (message) => {
        const kind = str((message as Msg)?.kind);
        lost.add(
          1,
          attrs(kind, () => ({ 'cachestack.lock_kind': kind })),
        );
      };
    },
  };
}

function busHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.busReceive]: (meter, base) => {
      const lag = meter.createHistogram(metricNames.busLag, {
        description: 'Time from publish on one instance to receipt on another',
        unit: 'ms',
      });
      return (message) => {
        const ms = num((message as Msg)?.lagMs);
        if (ms !== undefined) lag.record(Math.max(0, ms), base);
      };
    },
    [channelNames.busPublish]: (meter, base) => {
      const published = meter.createCounter(metricNames.busPublished);
      const attrs = attrCache(base);
      return (message) => {
        const type = str((message as Msg)?.type);
        published.add(
          1,
          attrs(type, () => ({ 'cachestack.message_type': type })),
        );
      };
    },
    [channelNames.busGap]: (meter, base) => {
      const gaps = meter.createCounter(metricNames.busGaps);
      return (message) => {
        const missing = num((message as Msg)?.missing);
        if (missing !== undefined && missing > 0) gaps.add(missing, base);
      };
    },
    [channelNames.busState]: (meter, base) => {
      const states = meter.createCounter(metricNames.busStates);
      const attrs = attrCache(base);
      return (message) => {
        const state = str((message as Msg)?.state);
        states.add(
          1,
          attrs(state, () => ({ 'cachestack.state': state })),
        );
      };
    },
  };
}

function rateLimitHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.rateLimitDecision]: (meter, base) => {
      const decisions = meter.createCounter(metricNames.rateLimitDecisions);
      const attrs = attrCache(base);
      return (message) => {
        const d = (message as Msg)?.decision as Msg | undefined;
        if (typeof d?.allowed !== 'boolean') return;
        const decision = d.allowed ? 'allowed' : 'rejected';
        const source = str(d.source, 'store');
        decisions.add(
          1,
          attrs(`${decision}:${source}`, () => ({
            'cachestack.decision': decision,
            'cachestack.source': source,
          })),
        );
      };
    },
    [channelNames.rateLimitFallback]: (meter, base) => {
      const fallbacks = meter.createCounter(metricNames.rateLimitFallbacks);
      const attrs = attrCache(base);
      return (message) => {
        const policy = str((message as Msg)?.policy);
        fallbacks.add(
          1,
          attrs(policy, () => ({ 'cachestack.policy': policy })),
        );
      };
    },
    [channelNames.rateLimitStoreError]: (meter, base) => {
      const errors = meter.createCounter(metricNames.rateLimitStoreErrors);
      return () => errors.add(1, base);
    },
    [channelNames.rateLimitCircuit]: (meter, base) => {
      const transitions = meter.createCounter(metricNames.rateLimitCircuit);
      const attrs = attrCache(base);
      return (message) => {
        const state = str((message as Msg)?.state);
        transitions.add(
          1,
          attrs(state, () => ({ 'cachestack.state': state })),
        );
      };
    },
  };
}

/**
 * The handlers {@link instrumentChannels} installs by default, by channel name: the
 * `cachestack:compression:*`, `cachestack:locking:*`, `cachestack:coherency:*` and
 * `cachestack:ratelimit:*` channels listed in {@link channelNames}. Spread it and add
 * entries to consume more channels.
 */
export const defaultChannelHandlers: Readonly<Record<string, ChannelHandlerFactory>> =
  Object.freeze({
    ...compressionHandlers(),
    ...lockingHandlers(),
    ...busHandlers(),
    ...rateLimitHandlers(),
  });
