import type { Meter } from '@opentelemetry/api';
import {
  attrCache,
  type ChannelHandlerFactory,
  type Msg,
  startAtZero,
  str,
} from './channel-handler-kit.js';
import { instrumentSpecs } from './instrument-specs.js';
import { channelNames, metricNames } from './names.js';

/** The failure counters of the rate limiter, started at 0 by its first decision. */
function rateLimitFailureCounters(meter: Meter) {
  return [
    meter.createCounter(metricNames.rateLimitFallbacks, instrumentSpecs.rateLimitFallbacks),
    meter.createCounter(metricNames.rateLimitStoreErrors, instrumentSpecs.rateLimitStoreErrors),
  ] as const;
}

/** Handlers of the `cachestack:ratelimit:*` channels. */
export function rateLimitHandlers(): Record<string, ChannelHandlerFactory> {
  return {
    [channelNames.rateLimitDecision]: (meter, base) => {
      const decisions = meter.createCounter(
        metricNames.rateLimitDecisions,
        instrumentSpecs.rateLimitDecisions,
      );
      const seen = startAtZero(rateLimitFailureCounters(meter), base);
      const attrs = attrCache(base);
      return (message) => {
        const d = (message as Msg)?.decision as Msg | undefined;
        if (typeof d?.allowed !== 'boolean') return;
        seen();
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
      const [fallbacks] = rateLimitFailureCounters(meter);
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
      const [, errors] = rateLimitFailureCounters(meter);
      return () => errors.add(1, base);
    },
    [channelNames.rateLimitCircuit]: (meter, base) => {
      const transitions = meter.createCounter(
        metricNames.rateLimitCircuit,
        instrumentSpecs.rateLimitCircuit,
      );
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

/** The counters of a live key migration, started at 0 by its first message. */
function migrateCounters(meter: Meter) {
  return [
    meter.createCounter(metricNames.migrateFallbacks, instrumentSpecs.migrateFallbacks),
    meter.createCounter(metricNames.migrateBackfills, instrumentSpecs.migrateBackfills),
    meter.createCounter(metricNames.migrateLegacyErrors, instrumentSpecs.migrateLegacyErrors),
  ] as const;
}

/** Handlers of the `cachestack:migrate:*` channels of `withLegacyKeys`. */
export function migrateHandlers(): Record<string, ChannelHandlerFactory> {
  const count =
    (index: 0 | 1 | 2): ChannelHandlerFactory =>
    (meter, base) => {
      const counters = migrateCounters(meter);
      const seen = startAtZero(counters, base);
      return () => {
        seen();
        counters[index].add(1, base);
      };
    };
  return {
    [channelNames.migrateFallback]: count(0),
    [channelNames.migrateBackfill]: count(1),
    [channelNames.migrateLegacyError]: count(2),
  };
}
