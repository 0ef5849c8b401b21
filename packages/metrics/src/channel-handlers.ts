import type { Meter } from '@opentelemetry/api';
import {
  attrCache,
  type ChannelHandlerFactory,
  type Msg,
  num,
  startAtZero,
  str,
} from './channel-handler-kit.js';
import { durationHistogram, instrumentSpecs } from './instrument-specs.js';
import { channelNames, metricNames } from './names.js';
import { migrateHandlers, rateLimitHandlers } from './service-channel-handlers.js';

function compressionHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.compressionEncode]: (meter, base, context) => {
      const ratio = meter.createHistogram(
        metricNames.compressionRatio,
        instrumentSpecs.compressionRatio,
      );
      const bytes = meter.createCounter(
        metricNames.compressionBytes,
        instrumentSpecs.compressionBytes,
      );
      const duration = durationHistogram(meter, 'compressionDuration', context.legacyNames);
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
    [channelNames.compressionDecode]: (meter, base, context) => {
      const duration = durationHistogram(meter, 'compressionDuration', context.legacyNames);
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
      const skips = meter.createCounter(
        metricNames.compressionSkips,
        instrumentSpecs.compressionSkips,
      );
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
      const errors = meter.createCounter(
        metricNames.compressionErrors,
        instrumentSpecs.compressionErrors,
      );
      return () => errors.add(1, base);
    },
  };
}

function lockingHandlers(): Record<string, ChannelHandlerFactory> {
  const wait =
    (outcome: 'acquired' | 'timeout'): ChannelHandlerFactory =>
    (meter, base, context) => {
      const histogram = durationHistogram(meter, 'lockWait', context.legacyNames);
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
    [channelNames.lockRelease]: (meter, base, context) => {
      const held = durationHistogram(meter, 'lockHeld', context.legacyNames);
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
      const lost = meter.createCounter(metricNames.locksLost, instrumentSpecs.locksLost);
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

/** The gap counter, started at 0 by the first message of any bus channel. */
function busGaps(meter: Meter) {
  return meter.createCounter(metricNames.busGaps, instrumentSpecs.busGaps);
}

function busHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.busReceive]: (meter, base, context) => {
      const lag = durationHistogram(meter, 'busLag', context.legacyNames);
      const seen = startAtZero([busGaps(meter)], base);
      return (message) => {
        seen();
        const ms = num((message as Msg)?.lagMs);
        if (ms !== undefined) lag.record(Math.max(0, ms), base);
      };
    },
    [channelNames.busPublish]: (meter, base) => {
      const published = meter.createCounter(metricNames.busPublished, instrumentSpecs.busPublished);
      const seen = startAtZero([busGaps(meter)], base);
      const attrs = attrCache(base);
      return (message) => {
        seen();
        const type = str((message as Msg)?.type);
        published.add(
          1,
          attrs(type, () => ({ 'cachestack.message_type': type })),
        );
      };
    },
    [channelNames.busGap]: (meter, base) => {
      const gaps = busGaps(meter);
      return (message) => {
        const missing = num((message as Msg)?.missing);
        if (missing !== undefined && missing > 0) gaps.add(missing, base);
      };
    },
    [channelNames.busState]: (meter, base) => {
      const states = meter.createCounter(metricNames.busStates, instrumentSpecs.busStates);
      const seen = startAtZero([busGaps(meter)], base);
      const attrs = attrCache(base);
      return (message) => {
        seen();
        const state = str((message as Msg)?.state);
        states.add(
          1,
          attrs(state, () => ({ 'cachestack.state': state })),
        );
      };
    },
  };
}

/**
 * The handlers {@link instrumentChannels} installs by default, by channel name: the
 * `cachestack:compression:*`, `cachestack:locking:*`, `cachestack:coherency:*`,
 * `cachestack:ratelimit:*` and `cachestack:migrate:*` channels listed in
 * {@link channelNames}. Spread it and add entries to consume more channels.
 */
export const defaultChannelHandlers: Readonly<Record<string, ChannelHandlerFactory>> =
  Object.freeze({
    ...compressionHandlers(),
    ...lockingHandlers(),
    ...busHandlers(),
    ...rateLimitHandlers(),
    ...migrateHandlers(),
  });
