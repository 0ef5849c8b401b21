/** Sends one GET, resolving `null` for a missing key. */
export type SendGet = (key: string) => Promise<Buffer | null>;
/** Sends one MGET, resolving one value (or `null`) per key, in order. */
export type SendMget = (keys: string[]) => Promise<(Buffer | null)[]>;

/** One tick's GETs of one slot group, waiting for the flush. */
class Batch {
  readonly keys: string[] = [];
  readonly resolves: ((value: Buffer | undefined) => void)[] = [];
  readonly rejects: ((error: unknown) => void)[] = [];
}

/**
 * Coalesces the GETs issued in one tick into one MGET per slot group (one group on a
 * standalone client). Concurrent callers then share one command, one socket write and
 * one reply instead of paying for each; a lone GET is still sent as a GET. The flush runs
 * on `process.nextTick`, after the current microtasks, so no timer delays a read. Order
 * on the connection is kept: a GET issued after a write in the same tick is sent after it.
 */
export class GetBatcher {
  readonly #sendGet: SendGet;
  readonly #sendMget: SendMget;
  readonly #maxKeys: number;
  readonly #open = new Map<string, Batch>();
  #scheduled = false;

  /**
   * @param maxKeys - Keys per MGET; a batch that reaches it is sent at once.
   */
  constructor(sendGet: SendGet, sendMget: SendMget, maxKeys: number) {
    this.#sendGet = sendGet;
    this.#sendMget = sendMget;
    this.#maxKeys = maxKeys;
  }

  /** Queues a GET of `key` in `group` (keys of one group may share an MGET). */
  get(group: string, key: string): Promise<Buffer | undefined> {
    let batch = this.#open.get(group);
    if (batch === undefined) {
      batch = new Batch();
      this.#open.set(group, batch);
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    }
    const open = batch;
    const promise = new Promise<Buffer | undefined>((resolve, reject) => {
      open.keys.push(key);
      open.resolves.push(resolve);
      open.rejects.push(reject);
    });
    if (open.keys.length >= this.#maxKeys) {
      this.#open.delete(group);
      this.#send(open);
    }
    return promise;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    for (const batch of this.#open.values()) this.#send(batch);
    this.#open.clear();
  };

  #send(batch: Batch): void {
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

/** One tick's fenced reads of one head (one shard), waiting for the flush. */
class FencedBatch {
  readonly keys: string[] = [];
  readonly resolves: ((read: ReadWithEpoch) => void)[] = [];
  readonly rejects: ((error: unknown) => void)[] = [];
  constructor(readonly epochKey: string) {}
}

/**
 * Coalesces the fenced reads (value + the shard's epoch) issued in one tick for one head
 * into one `MGET k1 … kn epoch`: every caller gets its value and the epoch read in the
 * same atomic command, so each fence is as valid as with a read of its own. Flushed on
 * `process.nextTick`, like {@link GetBatcher}.
 */
export class FencedGetBatcher {
  readonly #sendMget: SendMget;
  readonly #maxKeys: number;
  readonly #open = new Map<string, FencedBatch>();
  #scheduled = false;

  constructor(sendMget: SendMget, maxKeys: number) {
    this.#sendMget = sendMget;
    this.#maxKeys = maxKeys;
  }

  /** Queues a read of `key` with `epochKey` (the same for every key of `group`). */
  get(group: string, key: string, epochKey: string): Promise<ReadWithEpoch> {
    let batch = this.#open.get(group);
    if (batch === undefined) {
      batch = new FencedBatch(epochKey);
      this.#open.set(group, batch);
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    }
    const open = batch;
    const promise = new Promise<ReadWithEpoch>((resolve, reject) => {
      open.keys.push(key);
      open.resolves.push(resolve);
      open.rejects.push(reject);
    });
    if (open.keys.length >= this.#maxKeys) {
      this.#open.delete(group);
      this.#send(open);
    }
    return promise;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    for (const batch of this.#open.values()) this.#send(batch);
    this.#open.clear();
  };

  #send(batch: FencedBatch): void {
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
