/** Sends one GET, resolving `null` for a missing key. */
export type SendGet = (key: string) => Promise<Buffer | null>;
/** Sends one MGET, resolving one value (or `null`) per key, in order. */
export type SendMget = (keys: string[]) => Promise<(Buffer | null)[]>;

const orUndefined = (value: Buffer | null): Buffer | undefined => value ?? undefined;

/** One tick's reads of one group, waiting for the flush. */
class Batch<T> {
  readonly keys: string[] = [];
  readonly resolves: ((value: T) => void)[] = [];
  readonly rejects: ((error: unknown) => void)[] = [];
  /** The group's epoch key, read in the same MGET (fenced reads only). */
  constructor(readonly epochKey = '') {}
}

/**
 * The tick bookkeeping both batchers share: the first read of a tick is sent at once (see
 * `firstOfTick`); the reads that follow it in the same tick queue per group (`enqueue`) and
 * are flushed on `process.nextTick`, or as soon as a group reaches `maxKeys`, by `send`.
 */
abstract class TickBatcher<T> {
  readonly #maxKeys: number;
  readonly #open = new Map<string, Batch<T>>();
  #scheduled = false;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  /** Whether this read is the tick's first (then it is sent alone, and a flush is scheduled). */
  protected firstOfTick(): boolean {
    if (this.#scheduled) return false;
    this.#scheduled = true;
    process.nextTick(this.#flush);
    return true;
  }

  /** Queues a read after the tick's first; it is sent with its group at the flush. */
  protected enqueue(group: string, key: string, epochKey?: string): Promise<T> {
    let batch = this.#open.get(group);
    if (batch === undefined) {
      batch = new Batch<T>(epochKey);
      this.#open.set(group, batch);
    }
    const open = batch;
    const promise = new Promise<T>((resolve, reject) => {
      open.keys.push(key);
      open.resolves.push(resolve);
      open.rejects.push(reject);
    });
    if (open.keys.length >= this.#maxKeys) {
      this.#open.delete(group);
      this.send(open);
    }
    return promise;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    for (const batch of this.#open.values()) this.send(batch);
    this.#open.clear();
  };

  /** Sends one group's queued reads and settles their callers. */
  protected abstract send(batch: Batch<T>): void;
}

/**
 * Coalesces the GETs issued in one tick into MGETs per slot group (one group on a
 * standalone client). The first GET of a tick is sent at once, as a GET, so a lone read
 * waits for nothing (deferring every read, even by a tick, cost p95 latency at moderate
 * rates); the GETs that follow it in the same tick share one MGET, sent on
 * `process.nextTick` after the current microtasks, so under load concurrent callers share
 * one command, one socket write and one reply. No timer ever delays a read. Order
 * on the connection is kept: a GET issued after a write in the same tick is sent after it.
 */
export class GetBatcher extends TickBatcher<Buffer | undefined> {
  readonly #sendGet: SendGet;
  readonly #sendMget: SendMget;

  /**
   * @param maxKeys - Keys per MGET; a batch that reaches it is sent at once.
   */
  constructor(sendGet: SendGet, sendMget: SendMget, maxKeys: number) {
    super(maxKeys);
    this.#sendGet = sendGet;
    this.#sendMget = sendMget;
  }

  /** Queues a GET of `key` in `group` (keys of one group may share an MGET). */
  get(group: string, key: string): Promise<Buffer | undefined> {
    // The first GET of a tick goes out at once (a lone read pays nothing for batching);
    // only the ones that follow it in the same tick wait for the flush and share an MGET.
    if (this.firstOfTick()) return this.#sendGet(key).then(orUndefined);
    return this.enqueue(group, key);
  }

  protected send(batch: Batch<Buffer | undefined>): void {
    const { keys, resolves, rejects } = batch;
    const fail = (error: unknown) => {
      for (const reject of rejects) reject(error);
    };
    if (keys.length === 1) {
      this.#sendGet(keys[0]!).then((value) => resolves[0]!(value ?? undefined), fail);
      return;
    }
    this.#sendMget(keys).then((values) => {
      for (let i = 0; i < resolves.length; i++) resolves[i]!(values[i] ?? undefined);
    }, fail);
  }
}

/** A value read with the epoch key of its group, in one MGET. */
export interface ReadWithEpoch {
  readonly value: Buffer | undefined;
  readonly epoch: Buffer | null;
}

/**
 * Coalesces the fenced reads (value + the shard's epoch) issued in one tick for one head
 * into one `MGET k1 … kn epoch`: every caller gets its value and the epoch read in the
 * same atomic command, so each fence is as valid as with a read of its own. Flushed on
 * `process.nextTick`, like {@link GetBatcher}.
 */
export class FencedGetBatcher extends TickBatcher<ReadWithEpoch> {
  readonly #sendMget: SendMget;

  constructor(sendMget: SendMget, maxKeys: number) {
    super(maxKeys);
    this.#sendMget = sendMget;
  }

  /** Queues a read of `key` with `epochKey` (the same for every key of `group`). */
  get(group: string, key: string, epochKey: string): Promise<ReadWithEpoch> {
    // As in GetBatcher: the first read of a tick goes out at once, the rest share MGETs.
    if (this.firstOfTick()) {
      return this.#sendMget([key, epochKey]).then(
        (values): ReadWithEpoch => ({ value: values[0] ?? undefined, epoch: values[1] ?? null }),
      );
    }
    return this.enqueue(group, key, epochKey);
  }

  protected send(batch: Batch<ReadWithEpoch>): void {
    const { keys, resolves, rejects } = batch;
    const n = keys.length;
    keys.push(batch.epochKey);
    this.#sendMget(keys).then(
      (values) => {
        const epoch = values[n] ?? null;
        for (let i = 0; i < n; i++) resolves[i]!({ value: values[i] ?? undefined, epoch });
      },
      (error: unknown) => {
        for (const reject of rejects) reject(error);
      },
    );
  }
}
