import { ClosedError, InvalidOptionError, StoreError, TimeoutError } from '@cachestack/core';
import { DeadlineSet, type Expiring, systemClock } from '@cachestack/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { RateLimitStore, ResolvedRule, StoreAnswer, StoreRequest } from './types.js';

const COMMAND = 'cachestackRateLimitV2';
const OPS = { check: 'c', peek: 'p', reset: 'r' } as const;

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client (`Redis` or `Cluster`), owned by the caller. */
  readonly redis: Redis | Cluster;
  /**
   * Prefix of every key (`<prefix>:{<key>}:<rule>:<algorithm>`). Must not contain `{` or `}`.
   * @defaultValue `'rl'`
   */
  readonly prefix?: string;
  /**
   * Clock of the decisions: `'server'` reads Redis `TIME` inside the script (one clock
   * for every process); a function supplies integer ms from the client (tests, or
   * replaying a sequence against the memory store).
   * @defaultValue `'server'`
   */
  readonly clock?: 'server' | (() => number);
  /**
   * Most requests coalesced into one script call.
   * @defaultValue `256`
   */
  readonly maxBatchSize?: number;
  /**
   * Announce resets on the Redis channel `<prefix>:resets` and listen to it (one extra
   * subscriber connection, duplicated from `redis`, opened when the first limiter with a
   * block cache subscribes), so that a reset in any process reaches every limiter's local
   * block cache at once. `false` for clients that cannot subscribe; a reset then waits
   * for the blocked keys' retry time elsewhere.
   * @defaultValue `true`
   */
  readonly resetBroadcast?: boolean;
  /**
   * The Redis Cluster hash tag of a (rule-mapped) key. Every key a compound check touches
   * must share one slot on Cluster: return the same tag for all of them, e.g.
   * `(key) => key.split(':')[0]` for keys `tenant:user` and `tenant` (the tenant rule).
   * Must return a non-empty string without `{` or `}`; otherwise the check fails with
   * `InvalidOptionError('hashTag')` (a `store:error`, answered by the failure policy)
   * before anything is sent.
   * @defaultValue the key's own `{…}` tag when it has one, else the whole key
   */
  readonly hashTag?: ((key: string) => string) | undefined;
}

interface Pending {
  readonly request: StoreRequest;
  readonly deadlineMs: number;
  readonly resolve: (answer: StoreAnswer) => void;
  readonly reject: (error: unknown) => void;
}

type ScriptClient = (Redis | Cluster) & {
  [COMMAND](numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

/**
 * Redis store: one Lua script (EVALSHA, with an EVAL fallback on NOSCRIPT, through
 * ioredis `defineCommand`) decides and consumes every rule of a request atomically.
 * Requests issued in the same tick are coalesced into one script call (micro-batching).
 * Keys are hash-tagged by the checked key, so on Cluster every rule of one key lives in
 * one slot; batches are split by tag there.
 */
export class RedisStore implements RateLimitStore {
  /** Always `'remote'`. */
  readonly kind = 'remote' as const;
  readonly #redis: ScriptClient;
  readonly #prefix: string;
  readonly #clock: (() => number) | undefined;
  readonly #maxBatch: number;
  readonly #cluster: boolean;
  readonly #hashTag: ((key: string) => string) | undefined;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  #batches = 0;
  #batched = 0;
  /** Deadlines of the script calls in flight, all behind one timer. */
  readonly #deadlines = new DeadlineSet(systemClock);
  readonly #broadcast: boolean;
  readonly #channel: string;
  /** The Redis set of every rule id checked on this prefix: what `resetKey` clears. */
  readonly #registry: string;
  /** Rule ids already added to the `<prefix>:rule-ids` registry by this store. */
  readonly #registered = new Set<string>();
  readonly #resetListeners = new Set<(keys: readonly string[] | undefined) => void>();
  #subscriber: (Redis | Cluster) | undefined;

  constructor(options: RedisStoreOptions) {
    if (options === undefined || options.redis === undefined || options.redis === null) {
      throw new InvalidOptionError('redis', 'an ioredis client is required');
    }
    const prefix = options.prefix ?? 'rl';
    if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new InvalidOptionError('prefix', 'must be a non-empty string without { or }');
    }
    const maxBatch = options.maxBatchSize ?? 256;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
      throw new InvalidOptionError('maxBatchSize', `must be a positive integer, got ${maxBatch}`);
    }
    const clock = options.clock ?? 'server';
    if (clock !== 'server' && typeof clock !== 'function') {
      throw new InvalidOptionError('clock', "must be 'server' or a function returning ms");
    }
    if (options.hashTag !== undefined && typeof options.hashTag !== 'function') {
      throw new InvalidOptionError('hashTag', 'must be a function (key) => string');
    }
    this.#hashTag = options.hashTag;
    this.#prefix = prefix;
    this.#maxBatch = maxBatch;
    this.#clock = clock === 'server' ? undefined : clock;
    const redis = options.redis as ScriptClient;
    if (typeof redis[COMMAND] !== 'function') {
      redis.defineCommand(COMMAND, { lua: RATE_LIMIT_SCRIPT });
    }
    this.#redis = redis;
    this.#cluster = (redis as { isCluster?: boolean }).isCluster === true;
    this.#broadcast = options.resetBroadcast ?? true;
    this.#channel = `${prefix}:resets`;
    this.#registry = `${prefix}:rule-ids`;
  }

  /**
   * Forgets every state of `key` under every rule ever checked on this prefix by any
   * process (their ids are registered in `<prefix>:rule-ids` on first use), in one
   * `DEL` (the keys share `key`'s hash slot), then announces the reset.
   */
  async resetKey(key: string): Promise<void> {
    if (this.#closed) throw new ClosedError('rate limit redis store');
    try {
      const ids = new Set(await this.#redis.smembers(this.#registry));
      for (const id of this.#registered) ids.add(id);
      if (ids.size > 0) {
        const keys: string[] = [];
        for (const id of ids) {
          const stateKey = this.redisKey(key, id);
          keys.push(stateKey, `${stateKey}:blk`);
        }
        await this.#redis.del(...keys);
      }
    } catch (error) {
      throw new StoreError(`rate limit reset of ${key} failed`, { cause: error });
    }
    this.#announce([key]);
  }

  /** Listens to the resets of every process on this prefix (see `resetBroadcast`). */
  onReset(listener: (keys: readonly string[] | undefined) => void): () => void {
    if (!this.#broadcast || this.#closed) return () => {};
    this.#resetListeners.add(listener);
    if (this.#subscriber === undefined) this.#subscribe();
    return () => {
      this.#resetListeners.delete(listener);
      if (this.#resetListeners.size === 0) this.#unsubscribe();
    };
  }

  #subscribe(): void {
    const sub = (this.#redis as Redis).duplicate();
    this.#subscriber = sub;
    let subscribed = false;
    // Subscription errors surface as missed resets, which the 'ready' handler covers.
    sub.on('error', () => {});
    sub.on('ready', () => {
      if (subscribed) this.#notify(undefined); // resets may have been missed meanwhile
      subscribed = true;
      sub.subscribe(this.#channel).catch(() => {});
    });
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      let keys: unknown;
      try {
        keys = JSON.parse(message);
      } catch {
        return;
      }
      if (Array.isArray(keys)) this.#notify(keys.filter((k) => typeof k === 'string'));
    });
    if ((sub as Redis).status === 'wait') sub.connect().catch(() => {});
  }

  #unsubscribe(): void {
    const sub = this.#subscriber;
    this.#subscriber = undefined;
    sub?.disconnect();
  }

  #notify(keys: readonly string[] | undefined): void {
    for (const listener of this.#resetListeners) {
      try {
        listener(keys);
      } catch {
        // One listener's failure must not hide the reset from the others.
      }
    }
  }

  /** Tells every process (this one included) that `keys` were reset. */
  #announce(keys: readonly string[]): void {
    this.#notify(keys);
    if (!this.#broadcast) return;
    this.#redis.publish(this.#channel, JSON.stringify(keys)).catch(() => {});
  }

  #register(id: string): void {
    if (this.#registered.has(id)) return;
    this.#registered.add(id);
    this.#redis.sadd(this.#registry, id).catch(() => {
      this.#registered.delete(id); // retried with the next request of this rule
    });
  }

  /** Script calls made and requests they carried (for stats). */
  get batchStats(): { batches: number; requests: number } {
    return { batches: this.#batches, requests: this.#batched };
  }

  /**
   * The Redis key holding `rule`'s state for `key`: hash-tagged by the key (its own `{…}`
   * tag, or the whole key), or `{hashTag(key)}` before the key with the `hashTag` option.
   * @throws InvalidOptionError when `hashTag` returns no valid tag.
   */
  redisKey(key: string, ruleId: string): string {
    if (this.#hashTag === undefined) return `${this.#prefix}:${tagged(key)}:${ruleId}`;
    return `${this.#prefix}:{${this.#tagOf(key)}}:${key}:${ruleId}`;
  }

  /** The slot-deciding tag of a key (the `hashTag` option, or the key's own tag). */
  #tagOf(key: string): string {
    if (this.#hashTag === undefined) return tagOf(key);
    const tag = this.#hashTag(key);
    if (typeof tag !== 'string' || tag.length === 0 || /[{}]/.test(tag)) {
      throw new InvalidOptionError(
        'hashTag',
        `must return a non-empty string without { or }, got ${JSON.stringify(tag)} for "${key}"`,
      );
    }
    return tag;
  }

  /** The store settles every call within the deadline it is given. */
  readonly deadlines = true;

  /** Queues requests for the next flush (end of the current tick). */
  apply(requests: readonly StoreRequest[], timeoutMs = 0): Promise<StoreAnswer[]> {
    return Promise.all(requests.map((request) => this.applyOne(request, timeoutMs)));
  }

  /**
   * Queues one request for the next flush (end of the current tick); rejects with
   * `TimeoutError` when its script call has not answered within `timeoutMs` (0: never).
   */
  applyOne(request: StoreRequest, timeoutMs = 0): Promise<StoreAnswer> {
    if (this.#closed) return Promise.reject(new ClosedError('rate limit redis store'));
    if (this.#hashTag !== undefined) {
      try {
        for (const key of request.keys) this.#tagOf(key);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<StoreAnswer>((resolve, reject) => {
      this.#queue.push({ request, deadlineMs: timeoutMs, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flush);
      }
    });
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    if (!this.#cluster) {
      for (let i = 0; i < queue.length; i += this.#maxBatch) {
        this.#send(queue.length <= this.#maxBatch ? queue : queue.slice(i, i + this.#maxBatch));
      }
      return;
    }
    // Cluster: one script call per hash tag (same tag, same slot).
    const groups = new Map<string, Pending[]>();
    for (const p of queue) {
      const tag = this.#tagOf(p.request.keys[0] ?? '');
      const group = groups.get(tag);
      if (group === undefined) groups.set(tag, [p]);
      else group.push(p);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += this.#maxBatch) {
        this.#send(group.slice(i, i + this.#maxBatch));
      }
    }
  };

  #send(batch: readonly Pending[]): void {
    const keys: string[] = [];
    // Rule sets are sent once per call; requests refer to them by index.
    const sets = new Map<readonly ResolvedRule[], number>();
    const head: (string | number)[] = [
      this.#clock === undefined ? '' : Math.floor(this.#clock()),
      0,
    ];
    const tail: (string | number)[] = [batch.length];
    const resets: string[] = [];
    let timeoutMs = Number.POSITIVE_INFINITY;
    for (const { request, deadlineMs } of batch) {
      const rules = request.rules;
      let set = sets.get(rules);
      if (set === undefined) {
        set = sets.size + 1;
        sets.set(rules, set);
        head.push(rules.length);
        for (const rule of rules) {
          head.push(rule.code, rule.limit, rule.windowMs, rule.blockDurationMs, rule.burst);
          this.#register(rule.id);
        }
      }
      tail.push(OPS[request.op] + request.cost, set);
      if (request.op === 'reset') resets.push(...request.keys);
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        const key = this.redisKey(request.keys[i]!, rule.id);
        keys.push(key);
        if (rule.blockDurationMs > 0) keys.push(`${key}:blk`);
      }
      if (deadlineMs > 0 && deadlineMs < timeoutMs) timeoutMs = deadlineMs;
    }
    head[1] = sets.size;
    let settled = false;
    // One deadline per script call, not per check, and one shared timer for all of them.
    let deadline: Expiring | undefined;
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      deadline = {
        deadline: systemClock.monotonic() + timeoutMs,
        expire: () => {
          if (settled) return;
          settled = true;
          const error = new TimeoutError(
            `rate limit script did not answer within ${timeoutMs}ms`,
            timeoutMs,
          );
          for (const p of batch) p.reject(error);
        },
      };
      this.#deadlines.add(deadline);
    }
    this.#batches++;
    this.#batched += batch.length;
    this.#redis[COMMAND](keys.length, ...keys, ...head, ...tail).then(
      (reply) => {
        if (deadline !== undefined) this.#deadlines.delete(deadline);
        if (resets.length > 0) this.#announce(resets);
        if (settled) return;
        settled = true;
        let at = 0;
        for (const p of batch) {
          const n = p.request.rules.length * 4;
          p.resolve(reply.slice(at, at + n));
          at += n;
        }
      },
      (error: unknown) => {
        if (deadline !== undefined) this.#deadlines.delete(deadline);
        if (settled) return;
        settled = true;
        const wrapped = new StoreError('rate limit script failed', { cause: error });
        for (const p of batch) p.reject(wrapped);
      },
    );
  }

  /** Stops accepting requests (idempotent). The ioredis client stays open: it is the caller's. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#resetListeners.clear();
    this.#unsubscribe();
  }
}

/** The hash tag Redis would use for `key` once wrapped by {@link tagged}. */
function tagOf(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** `key` unchanged when it already carries a non-empty `{tag}`, else `{key}`. */
function tagged(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key;
  }
  return `{${key}}`;
}
