import {
  type Clock,
  type FencedRead,
  type FencedReadMany,
  type FenceToken,
  InvalidOptionError,
  type RemoteEntry,
  type RemoteSetOptions,
  type RemoteStore,
  StoreError,
  systemClock,
  TimeoutError,
  type WriteOutcome,
} from '@cachestack/core';
import {
  type ChaosStoreCounters,
  type ChaosStoreOptions,
  type Corruption,
  type Faults,
  HEALTHY,
  type Method,
  resolveFaults,
} from './chaos-store-options.js';
import { drawLatency, happens, type Latency, type Random, seededRandom } from './random.js';

/**
 * Wraps a real {@link RemoteStore} and injects faults into its calls (after bentocache's
 * ChaosCache and FusionCache's chaos package): latency, errors, hangs, timeouts, damaged
 * bytes on read, dropped writes. Faults come from options (with a probability each) and
 * from controls: `fail()` (every call rejects), `hang()` (every call waits), `slow(ms)`,
 * `corrupt(rate)`, `dropWrites(rate)`; `heal()` ends them all. `counters` tell what was
 * injected, `count(method)` how often a method was called.
 */
export class ChaosStore implements RemoteStore {
  /** The wrapped store's name, so events and metrics read the same. */
  readonly name: string;
  /** The wrapped store. */
  readonly inner: RemoteStore;
  /** What was injected so far. */
  readonly counters: ChaosStoreCounters = {
    calls: 0,
    failures: 0,
    hangs: 0,
    delays: 0,
    timeouts: 0,
    corruptions: 0,
    droppedWrites: 0,
  };
  readonly #calls = new Map<string, number>();
  readonly #clock: Clock;
  readonly #random: Random;
  #faults: Faults;
  #failWith: Error | undefined;
  #hanging = false;
  #hung: (() => void)[] = [];

  constructor(inner: RemoteStore, options: ChaosStoreOptions = {}) {
    if (typeof inner !== 'object' || inner === null || typeof inner.get !== 'function') {
      throw new InvalidOptionError('store', 'must be a RemoteStore');
    }
    this.#faults = resolveFaults(options);
    this.inner = inner;
    this.name = inner.name;
    this.#clock = options.clock ?? systemClock;
    this.#random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    if (inner.maxFenceAgeMs !== undefined) {
      Object.defineProperty(this, 'maxFenceAgeMs', {
        value: inner.maxFenceAgeMs,
        enumerable: true,
      });
    }
  }

  /** Every call rejects with `error` (a `StoreError` by default) until {@link heal}. */
  fail(error: Error = new StoreError('chaos: injected failure')): this {
    this.#failWith = error;
    return this;
  }

  /** Every call waits, never answering, until {@link heal}. */
  hang(): this {
    this.#hanging = true;
    return this;
  }

  /** Adds `latency` to every call until {@link heal}. */
  slow(latency: Latency): this {
    return this.configure({ latency });
  }

  /** Damages the bytes of a fraction `rate` of reads until {@link heal}. */
  corrupt(rate = 1, corruption: Corruption = this.#faults.corruption): this {
    return this.configure({ corruptRate: rate, corruption });
  }

  /** Drops a fraction `rate` of written entries (reported written) until {@link heal}. */
  dropWrites(rate = 1): this {
    return this.configure({ dropWriteRate: rate });
  }

  /** Changes the background faults (fields left out keep their value). */
  configure(options: ChaosStoreOptions): this {
    this.#faults = resolveFaults(options, this.#faults);
    return this;
  }

  /** Ends every fault (controls and options); hung calls go on to the real store. */
  heal(): this {
    this.#faults = resolveFaults(HEALTHY, this.#faults);
    this.#failWith = undefined;
    this.#hanging = false;
    const hung = this.#hung;
    this.#hung = [];
    for (const resume of hung) resume();
    return this;
  }

  /** Calls made to `method` so far. */
  count(method: Method): number {
    return this.#calls.get(method) ?? 0;
  }

  /** Calls waiting in `hang()`. */
  get hungCalls(): number {
    return this.#hung.length;
  }

  async #gate(method: Method): Promise<void> {
    this.counters.calls++;
    this.#calls.set(method, (this.#calls.get(method) ?? 0) + 1);
    const faults = this.#faults;
    const delayMs = drawLatency(faults.latency, this.#random);
    if (delayMs > 0) {
      this.counters.delays++;
      await this.#sleep(delayMs);
    }
    if (this.#hanging) {
      this.counters.hangs++;
      await new Promise<void>((resolve) => this.#hung.push(resolve));
    }
    if (this.#failWith) {
      this.counters.failures++;
      throw this.#failWith;
    }
    if (happens(faults.errorRate, this.#random)) {
      this.counters.failures++;
      throw new StoreError(`chaos: injected failure of ${method}`);
    }
    if (happens(faults.timeoutRate, this.#random)) {
      this.counters.timeouts++;
      await this.#sleep(faults.timeoutMs);
      throw new TimeoutError(`chaos: ${method} timed out`, faults.timeoutMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  #mangle(value: Uint8Array | undefined): Uint8Array | undefined {
    if (!value || value.byteLength === 0) return value;
    if (!happens(this.#faults.corruptRate, this.#random)) return value;
    this.counters.corruptions++;
    if (this.#faults.corruption === 'truncate') {
      return value.slice(0, Math.floor(this.#random() * value.byteLength));
    }
    const copy = Uint8Array.from(value);
    const bit = Math.floor(this.#random() * copy.byteLength * 8);
    copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
    return copy;
  }

  #dropped(count: number): boolean[] {
    const rate = this.#faults.dropWriteRate;
    const dropped = Array.from({ length: count }, () => happens(rate, this.#random));
    for (const drop of dropped) if (drop) this.counters.droppedWrites++;
    return dropped;
  }

  async get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    await this.#gate('get');
    return this.#mangle(await this.inner.get(namespace, key));
  }

  async getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    await this.#gate('getMany');
    return (await this.inner.getMany(namespace, keys)).map((v) => this.#mangle(v));
  }

  async getWithFence(namespace: string, key: string): Promise<FencedRead> {
    await this.#gate('getWithFence');
    const read = await this.inner.getWithFence(namespace, key);
    return { value: this.#mangle(read.value), fence: read.fence };
  }

  async getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    await this.#gate('getManyWithFence');
    const read = await this.inner.getManyWithFence(namespace, keys);
    return { values: read.values.map((v) => this.#mangle(v)), fence: read.fence };
  }

  async set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    await this.#gate('set');
    if (this.#dropped(1)[0]) return 'written';
    return this.inner.set(namespace, key, value, options);
  }

  async setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    await this.#gate('setMany');
    const dropped = this.#dropped(entries.length);
    const kept = entries.filter((_, i) => !dropped[i]);
    const outcomes = kept.length > 0 ? await this.inner.setMany(namespace, kept, fence) : [];
    let next = 0;
    return entries.map((_, i) => (dropped[i] ? 'written' : outcomes[next++]!));
  }

  async has(namespace: string, key: string): Promise<boolean> {
    await this.#gate('has');
    return this.inner.has(namespace, key);
  }

  async ttl(namespace: string, key: string): Promise<number | undefined> {
    await this.#gate('ttl');
    return this.inner.ttl(namespace, key);
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    await this.#gate('delete');
    return this.inner.delete(namespace, key);
  }

  async deleteMany(namespace: string, keys: readonly string[]): Promise<number> {
    await this.#gate('deleteMany');
    return this.inner.deleteMany(namespace, keys);
  }

  async deleteByTag(namespace: string, tags: readonly string[]): Promise<number> {
    await this.#gate('deleteByTag');
    return this.inner.deleteByTag(namespace, tags);
  }

  async clear(namespace: string): Promise<void> {
    await this.#gate('clear');
    return this.inner.clear(namespace);
  }

  /** Heals (hung calls proceed) and closes the wrapped store. */
  async close(): Promise<void> {
    this.heal();
    return this.inner.close();
  }
}

/**
 * Wraps `store` in a {@link ChaosStore}.
 * @throws InvalidOptionError when an option is out of range.
 */
export function chaosStore(store: RemoteStore, options: ChaosStoreOptions = {}): ChaosStore {
  return new ChaosStore(store, options);
}
