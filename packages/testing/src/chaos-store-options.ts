import { type Clock, InvalidOptionError, type RemoteStore } from '@cachestack/core';
import { checkLatency, checkRate, type Latency } from './random.js';

/** How read bytes are damaged. */
export type Corruption = 'bit-flip' | 'truncate';

/** Background faults of a {@link ChaosStore}; every field can be changed by `configure`. */
export interface ChaosStoreOptions {
  /** Latency added to every call. @defaultValue 0 */
  readonly latency?: Latency;
  /** Probability that a call rejects with a `StoreError`. @defaultValue 0 */
  readonly errorRate?: number;
  /** Probability that a call waits `timeoutMs` and then rejects with a `TimeoutError`. @defaultValue 0 */
  readonly timeoutRate?: number;
  /** How long a timed-out call waits before rejecting, in ms. @defaultValue 1000 */
  readonly timeoutMs?: number;
  /** Probability that bytes read are damaged. @defaultValue 0 */
  readonly corruptRate?: number;
  /** How read bytes are damaged: one flipped bit, or cut short. @defaultValue 'bit-flip' */
  readonly corruption?: Corruption;
  /** Probability that `set`/`setMany` report `'written'` but store nothing. @defaultValue 0 */
  readonly dropWriteRate?: number;
  /** Seed of the fault generator; the same seed injects the same faults. @defaultValue random */
  readonly seed?: number;
  /** Clock of latency and timeout timers (a `fakeClock()` drives them). @defaultValue systemClock */
  readonly clock?: Clock;
}

/** What a {@link ChaosStore} injected so far. */
export interface ChaosStoreCounters {
  /** Calls made, all methods. */
  calls: number;
  /** Calls that rejected with an injected error. */
  failures: number;
  /** Calls held by `hang()` (released by `heal()`). */
  hangs: number;
  /** Calls delayed by latency. */
  delays: number;
  /** Calls that rejected with an injected timeout. */
  timeouts: number;
  /** Values returned damaged. */
  corruptions: number;
  /** Entries reported written but not stored. */
  droppedWrites: number;
}

/** A method of a store that chaos can reach. */
export type Method = Exclude<keyof RemoteStore, 'name' | 'maxFenceAgeMs'>;

/** Resolved background faults. */
export interface Faults {
  latency: Latency;
  errorRate: number;
  timeoutRate: number;
  timeoutMs: number;
  corruptRate: number;
  corruption: Corruption;
  dropWriteRate: number;
}

/** Validates options over the current faults. */
export function resolveFaults(options: ChaosStoreOptions, base?: Faults): Faults {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object');
  }
  const faults: Faults = {
    latency: options.latency ?? base?.latency ?? 0,
    errorRate: options.errorRate ?? base?.errorRate ?? 0,
    timeoutRate: options.timeoutRate ?? base?.timeoutRate ?? 0,
    timeoutMs: options.timeoutMs ?? base?.timeoutMs ?? 1000,
    corruptRate: options.corruptRate ?? base?.corruptRate ?? 0,
    corruption: options.corruption ?? base?.corruption ?? 'bit-flip',
    dropWriteRate: options.dropWriteRate ?? base?.dropWriteRate ?? 0,
  };
  checkLatency('latency', faults.latency);
  checkRate('errorRate', faults.errorRate);
  checkRate('timeoutRate', faults.timeoutRate);
  checkRate('corruptRate', faults.corruptRate);
  checkRate('dropWriteRate', faults.dropWriteRate);
  if (!Number.isFinite(faults.timeoutMs) || faults.timeoutMs < 0) {
    throw new InvalidOptionError('timeoutMs', 'must be ms >= 0');
  }
  if (faults.corruption !== 'bit-flip' && faults.corruption !== 'truncate') {
    throw new InvalidOptionError('corruption', "must be 'bit-flip' or 'truncate'");
  }
  return faults;
}

/** Every background fault off. */
export const HEALTHY: ChaosStoreOptions = Object.freeze({
  latency: 0,
  errorRate: 0,
  timeoutRate: 0,
  corruptRate: 0,
  dropWriteRate: 0,
});
