import type { Clock, ClockTimer } from '../contracts/clock.js';
import type { CacheEvents } from '../contracts/events.js';
import type { HotKey, HotKeyExchange } from '../contracts/hot-key-exchange.js';
import { HotKeyTracker } from './hot-keys.js';

/** Resolved `hotKeys` options. */
export interface HotKeySharingOptions {
  readonly topK: number;
  readonly exchange: HotKeyExchange | undefined;
  readonly instanceId: string;
  /** 0 = publish only when asked. */
  readonly publishIntervalMs: number;
  readonly events: CacheEvents;
  readonly clock: Clock;
}

/**
 * This instance's hot keys: tracked on every read, published to the exchange
 * periodically (on the cache's clock) and on demand, so that peers can warm from them.
 */
export class HotKeySharing {
  readonly #tracker: HotKeyTracker;
  readonly #options: HotKeySharingOptions;
  #timer: ClockTimer | undefined;
  #stopped = false;

  constructor(options: HotKeySharingOptions) {
    this.#options = options;
    this.#tracker = new HotKeyTracker(options.topK);
    this.#arm();
  }

  /** Where hot keys are shared, when configured. */
  get exchange(): HotKeyExchange | undefined {
    return this.#options.exchange;
  }

  /** This instance's id on the exchange. */
  get instanceId(): string {
    return this.#options.instanceId;
  }

  /** Records one read of a key. */
  record(namespace: string, key: string): void {
    this.#tracker.record(namespace, key);
  }

  /** The hottest keys, hottest first. */
  top(limit?: number): HotKey[] {
    return this.#tracker.top(limit);
  }

  /** Publishes the current top keys now; a failure is reported as an `error` event. */
  async publish(): Promise<void> {
    if (!this.#options.exchange) return;
    try {
      await this.#options.exchange.publish(this.#options.instanceId, this.#tracker.top());
    } catch (error) {
      this.#options.events.emit('error', { operation: 'hot-keys:publish', error: error as Error });
    }
  }

  /** Stops periodic publishing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const { exchange, publishIntervalMs, clock } = this.#options;
    if (!exchange || publishIntervalMs <= 0 || this.#stopped) return;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      void this.publish();
      this.#arm();
    }, publishIntervalMs);
  }
}
