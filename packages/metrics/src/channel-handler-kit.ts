import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/** Handles one message of a diagnostics channel. Messages are untrusted: check fields. */
export type ChannelHandler = (message: unknown) => void;

/** What {@link instrumentChannels} passes to every handler factory besides the meter. */
export interface ChannelHandlerContext {
  /**
   * @deprecated Record the millisecond histograms under their 0.x names too
   * (`legacyMetricNames`). Removed in the next minor version.
   */
  readonly legacyNames: boolean;
}

/**
 * Creates the handler of one channel. Called once per {@link instrumentChannels} call with
 * the meter (create instruments here, not per message) and the base attributes.
 */
export type ChannelHandlerFactory = (
  meter: Meter,
  attributes: Attributes,
  context: ChannelHandlerContext,
) => ChannelHandler;

/** A message field bag. */
export type Msg = Record<string, unknown>;

/** Pre-bound attribute objects, created once per distinct combination. */
export function attrCache(base: Attributes) {
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

/** A string field, or the fallback. */
export const str = (v: unknown, fallback = 'unknown'): string =>
  typeof v === 'string' ? v : fallback;

/** A finite number field, or undefined. */
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * Adds 0 to counters once, on the first message of their package: an error counter that
 * exists from the start lets `rate()` and `increase()` see its first increment.
 */
export function startAtZero(counters: readonly Counter[], attributes: Attributes): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const c of counters) c.add(0, attributes);
  };
}
