import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { InvalidOptionError } from '@cachestack/core';
import type { Attributes, Meter } from '@opentelemetry/api';
import type { ChannelHandlerFactory } from './channel-handler-kit.js';
import { defaultChannelHandlers } from './channel-handlers.js';
import type { Instrumentation } from './instrument.js';
import { assertMeter, assertObject } from './options.js';

/** Options of {@link instrumentChannels}. */
export interface InstrumentChannelsOptions {
  /** The OpenTelemetry meter that creates the instruments. */
  readonly meter: Meter;
  /**
   * Handler factories by channel name. Replace to choose channels, or extend:
   * `{ ...defaultChannelHandlers, 'cachestack:mine:event': (meter) => (msg) => ... }`.
   * @defaultValue {@link defaultChannelHandlers}
   */
  readonly handlers?: Readonly<Record<string, ChannelHandlerFactory>>;
  /**
   * Attributes added to every measurement.
   * @defaultValue `{}`
   */
  readonly attributes?: Attributes;
  /**
   * @deprecated Also record the millisecond histograms under their 0.x names
   * (`legacyMetricNames`) next to the second-based ones. Removed in the next minor version.
   * @defaultValue `false`
   */
  readonly legacyNames?: boolean;
}

/**
 * Records OpenTelemetry metrics from the diagnostics channels of the other cachestack
 * packages: compression ratio and time, lock waits, bus delivery lag and gaps, rate-limit
 * decisions and fallbacks, live key-migration fallbacks and backfills (see {@link channelNames}). Channels are process-wide; subscribing to a
 * channel whose package is not loaded is harmless, so this works whichever packages
 * are installed. Publishers build messages only while someone subscribes, so nothing is
 * paid after `close()`.
 * @throws InvalidOptionError for a missing meter or a handler that is not a function.
 */
export function instrumentChannels(options: InstrumentChannelsOptions): Instrumentation {
  assertObject('options', options);
  assertMeter(options.meter);
  const factories = options.handlers ?? defaultChannelHandlers;
  assertObject('handlers', factories);
  if (options.legacyNames !== undefined && typeof options.legacyNames !== 'boolean') {
    throw new InvalidOptionError('legacyNames', 'expected a boolean');
  }
  const context = { legacyNames: options.legacyNames === true };
  const base: Attributes = { ...(options.attributes ?? {}) };
  const subscribed: [string, (message: unknown, name: string | symbol) => void][] = [];
  for (const [name, factory] of Object.entries(factories)) {
    if (typeof factory !== 'function') {
      throw new InvalidOptionError(`handlers.${name}`, 'must be a function');
    }
  }
  for (const [name, factory] of Object.entries(factories)) {
    const handler = factory(options.meter, base, context);
    const listener = (message: unknown): void => {
      try {
        handler(message);
      } catch {
        // A malformed message must not break the publisher.
      }
    };
    subscribe(name, listener);
    subscribed.push([name, listener]);
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const [name, listener] of subscribed) unsubscribe(name, listener);
  };
  return { close, [Symbol.dispose]: close };
}
