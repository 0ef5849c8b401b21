import {
  type Bus,
  type BusHandler,
  type BusState,
  type Clock,
  type InvalidationMessage,
  InvalidOptionError,
  StoreError,
  systemClock,
} from '@cachestack/core';
import {
  checkLatency,
  checkRate,
  drawLatency,
  happens,
  type Latency,
  type Random,
  seededRandom,
} from './random.js';

/** Faults of a {@link ChaosBus} on the messages it delivers to its subscribers. */
export interface ChaosBusOptions {
  /** Probability that a message is lost. @defaultValue 0 */
  readonly dropRate?: number;
  /** Delay before a message is delivered: ms, `{ minMs, maxMs }` or `() => ms`. @defaultValue 0 */
  readonly delay?: Latency;
  /** Probability that a message is delivered twice. @defaultValue 0 */
  readonly duplicateRate?: number;
  /** Probability that a message is held back and delivered after the next one. @defaultValue 0 */
  readonly reorderRate?: number;
  /** Seed of the fault generator. @defaultValue random */
  readonly seed?: number;
  /** Clock of delays (a `fakeClock()` drives them). @defaultValue systemClock */
  readonly clock?: Clock;
}

/** What a {@link ChaosBus} did so far. */
export interface ChaosBusCounters {
  /** Messages that reached this bus from the inner bus. */
  received: number;
  /** Messages handed to subscribers (a duplicate counts twice). */
  delivered: number;
  /** Messages lost by `dropRate`. */
  dropped: number;
  /** Messages delivered late. */
  delayed: number;
  /** Messages delivered twice. */
  duplicated: number;
  /** Messages held back behind a later one. */
  reordered: number;
  /** Messages lost while `disconnect()`ed. */
  lostWhileDisconnected: number;
  /** Publishes rejected while `disconnect()`ed. */
  publishFailures: number;
}

interface Faults {
  dropRate: number;
  delay: Latency;
  duplicateRate: number;
  reorderRate: number;
}

function resolveFaults(options: ChaosBusOptions, base?: Faults): Faults {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object');
  }
  const faults: Faults = {
    dropRate: options.dropRate ?? base?.dropRate ?? 0,
    delay: options.delay ?? base?.delay ?? 0,
    duplicateRate: options.duplicateRate ?? base?.duplicateRate ?? 0,
    reorderRate: options.reorderRate ?? base?.reorderRate ?? 0,
  };
  checkRate('dropRate', faults.dropRate);
  checkLatency('delay', faults.delay);
  checkRate('duplicateRate', faults.duplicateRate);
  checkRate('reorderRate', faults.reorderRate);
  return faults;
}

const HEALTHY: ChaosBusOptions = Object.freeze({
  dropRate: 0,
  delay: 0,
  duplicateRate: 0,
  reorderRate: 0,
});

/**
 * Wraps one instance's {@link Bus} and disturbs what it delivers to that instance: drops,
 * delays, duplicates and reorders messages, and simulates a lost connection
 * (`disconnect()`: state `disconnected`, publishes reject, incoming messages are lost;
 * `reconnect()`). `heal()` ends every fault, reconnects and delivers held messages.
 */
export class ChaosBus implements Bus {
  /** The wrapped bus. */
  readonly inner: Bus;
  /** What was injected so far. */
  readonly counters: ChaosBusCounters = {
    received: 0,
    delivered: 0,
    dropped: 0,
    delayed: 0,
    duplicated: 0,
    reordered: 0,
    lostWhileDisconnected: 0,
    publishFailures: 0,
  };
  readonly #handlers = new Set<BusHandler>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  readonly #clock: Clock;
  readonly #random: Random;
  #faults: Faults;
  #down = false;
  #held: InvalidationMessage[] = [];
  #unsubscribe: (() => void) | undefined;
  readonly #unwatch: () => void;

  constructor(inner: Bus, options: ChaosBusOptions = {}) {
    if (typeof inner !== 'object' || inner === null || typeof inner.subscribe !== 'function') {
      throw new InvalidOptionError('bus', 'must be a Bus');
    }
    this.#faults = resolveFaults(options);
    this.inner = inner;
    this.#clock = options.clock ?? systemClock;
    this.#random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.#unwatch = inner.onStateChange((state) => {
      if (!this.#down) this.#emitState(state);
    });
  }

  /** `disconnected` while the inner bus is, or while `disconnect()`ed. */
  get state(): BusState {
    return this.#down ? 'disconnected' : this.inner.state;
  }

  /** Loses a fraction `rate` of incoming messages until {@link heal}. */
  drop(rate = 1): this {
    return this.configure({ dropRate: rate });
  }

  /** Delivers incoming messages late until {@link heal}. */
  delay(latency: Latency): this {
    return this.configure({ delay: latency });
  }

  /** Delivers a fraction `rate` of incoming messages twice until {@link heal}. */
  duplicate(rate = 1): this {
    return this.configure({ duplicateRate: rate });
  }

  /** Holds back a fraction `rate` of incoming messages behind the next one until {@link heal}. */
  reorder(rate = 1): this {
    return this.configure({ reorderRate: rate });
  }

  /** Changes the faults (fields left out keep their value). */
  configure(options: ChaosBusOptions): this {
    this.#faults = resolveFaults(options, this.#faults);
    return this;
  }

  /** Simulates a lost connection: state listeners hear `disconnected`. */
  disconnect(): this {
    if (this.#down) return this;
    const before = this.state;
    this.#down = true;
    if (before === 'connected') this.#emitState('disconnected');
    return this;
  }

  /** Ends a simulated disconnection: state listeners hear `connected` (if the inner bus is). */
  reconnect(): this {
    if (!this.#down) return this;
    this.#down = false;
    if (this.inner.state === 'connected') this.#emitState('connected');
    return this;
  }

  /** Delivers every held-back message now. */
  flush(): this {
    const held = this.#held;
    this.#held = [];
    for (const message of held) this.#deliver(message);
    return this;
  }

  /** Ends every fault, reconnects and delivers held-back messages. */
  heal(): this {
    this.#faults = resolveFaults(HEALTHY, this.#faults);
    this.reconnect();
    return this.flush();
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#down) {
      this.counters.publishFailures++;
      throw new StoreError('chaos: bus disconnected');
    }
    return this.inner.publish(message);
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    this.#unsubscribe ??= this.inner.subscribe((message) => this.#receive(message));
    return () => {
      this.#handlers.delete(handler);
    };
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => {
      this.#stateListeners.delete(listener);
    };
  }

  /** Delivers held messages, then closes the inner bus. */
  async close(): Promise<void> {
    this.heal();
    this.#unwatch();
    this.#unsubscribe?.();
    return this.inner.close();
  }

  #receive(message: InvalidationMessage): void {
    this.counters.received++;
    if (this.#down) {
      this.counters.lostWhileDisconnected++;
      return;
    }
    const faults = this.#faults;
    if (happens(faults.dropRate, this.#random)) {
      this.counters.dropped++;
      return;
    }
    if (happens(faults.reorderRate, this.#random)) {
      this.counters.reordered++;
      this.#held.push(message);
      return;
    }
    this.#deliver(message);
    this.flush();
  }

  #deliver(message: InvalidationMessage): void {
    const copies = happens(this.#faults.duplicateRate, this.#random) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    const delayMs = drawLatency(this.#faults.delay, this.#random);
    if (delayMs > 0) {
      this.counters.delayed++;
      this.#clock.setTimeout(() => this.#emit(message, copies), delayMs);
    } else {
      this.#emit(message, copies);
    }
  }

  #emit(message: InvalidationMessage, copies: number): void {
    for (let i = 0; i < copies; i++) {
      this.counters.delivered++;
      for (const handler of this.#handlers) handler(message);
    }
  }

  #emitState(state: BusState): void {
    for (const listener of this.#stateListeners) listener(state);
  }
}

/**
 * Wraps `bus` in a {@link ChaosBus}.
 * @throws InvalidOptionError when an option is out of range.
 */
export function chaosBus(bus: Bus, options: ChaosBusOptions = {}): ChaosBus {
  return new ChaosBus(bus, options);
}
