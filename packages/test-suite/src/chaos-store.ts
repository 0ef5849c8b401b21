import type {
  FencedRead,
  FencedReadMany,
  FenceToken,
  RemoteEntry,
  RemoteSetOptions,
  RemoteStore,
  WriteOutcome,
} from '@cachestack/core';

/** What a {@link ChaosStore} does to calls. */
export type ChaosMode = 'pass' | 'fail' | 'hang';

/**
 * Wraps a real store and injects faults into its calls (after bentocache's ChaosCache):
 * `fail()` makes every call reject, `hang()` makes every call wait until `recover()`,
 * `corrupt()` flips bytes of what the store returns. Counts calls per method.
 */
export class ChaosStore implements RemoteStore {
  readonly name: string;
  readonly inner: RemoteStore;
  #mode: ChaosMode = 'pass';
  #corrupt = false;
  #error: Error = new Error('chaos: injected failure');
  #hung: (() => void)[] = [];
  readonly calls = new Map<string, number>();

  constructor(inner: RemoteStore) {
    this.inner = inner;
    this.name = inner.name;
  }

  /** Every call rejects with `error` until `recover()`. */
  fail(error: Error = new Error('chaos: injected failure')): void {
    this.#mode = 'fail';
    this.#error = error;
  }

  /** Every call waits until `recover()`. */
  hang(): void {
    this.#mode = 'hang';
  }

  /** Values read are returned with a flipped byte. */
  corruptReads(on = true): void {
    this.#corrupt = on;
  }

  /** Back to normal; hung calls proceed. */
  recover(): void {
    this.#mode = 'pass';
    const hung = this.#hung;
    this.#hung = [];
    for (const resume of hung) resume();
  }

  /** Calls made to `method` so far. */
  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  async #gate(method: string): Promise<void> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.#mode === 'fail') throw this.#error;
    if (this.#mode === 'hang') await new Promise<void>((resolve) => this.#hung.push(resolve));
  }

  #mangle(bytes: Uint8Array | undefined): Uint8Array | undefined {
    if (!this.#corrupt || !bytes || bytes.byteLength === 0) return bytes;
    const copy = Uint8Array.from(bytes);
    const at = copy.byteLength - 1;
    copy[at] = copy[at]! ^ 0xff;
    return copy;
  }

  async get(namespace: string, key: string): Promise<Uint8Array | undefined> {
    await this.#gate('get');
    return this.#mangle(await this.inner.get(namespace, key));
  }
  async getMany(namespace: string, keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    await this.#gate('getMany');
    return (await this.inner.getMany(namespace, keys)).map((b) => this.#mangle(b));
  }
  async getWithFence(namespace: string, key: string): Promise<FencedRead> {
    await this.#gate('getWithFence');
    const read = await this.inner.getWithFence(namespace, key);
    return { value: this.#mangle(read.value), fence: read.fence };
  }
  async getManyWithFence(namespace: string, keys: readonly string[]): Promise<FencedReadMany> {
    await this.#gate('getManyWithFence');
    const read = await this.inner.getManyWithFence(namespace, keys);
    return { values: read.values.map((b) => this.#mangle(b)), fence: read.fence };
  }
  async set(
    namespace: string,
    key: string,
    value: Uint8Array,
    options: RemoteSetOptions,
  ): Promise<WriteOutcome> {
    await this.#gate('set');
    return this.inner.set(namespace, key, value, options);
  }
  async setMany(
    namespace: string,
    entries: readonly RemoteEntry[],
    fence?: FenceToken,
  ): Promise<WriteOutcome[]> {
    await this.#gate('setMany');
    return this.inner.setMany(namespace, entries, fence);
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
  async close(): Promise<void> {
    this.recover();
    return this.inner.close();
  }
}

/** Wraps a store in a {@link ChaosStore}. */
export function chaosStore(inner: RemoteStore): ChaosStore {
  return new ChaosStore(inner);
}
