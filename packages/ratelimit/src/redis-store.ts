import { ClosedError, InvalidOptionError, StoreError, TimeoutError } from '@cachestack/core';
import type { Cluster, Redis } from 'ioredis';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { RateLimitStore, ResolvedRule, StoreAnswer, StoreRequest } from './types.js';

const COMMAND = 'cachestackRateLimitV1';
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
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  #batches = 0;
  #batched = 0;

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
    this.#prefix = prefix;
    this.#maxBatch = maxBatch;
    this.#clock = clock === 'server' ? undefined : clock;
    const redis = options.redis as ScriptClient;
    if (typeof redis[COMMAND] !== 'function') {
      redis.defineCommand(COMMAND, { lua: RATE_LIMIT_SCRIPT });
    }
    this.#redis = redis;
    this.#cluster = (redis as { isCluster?: boolean }).isCluster === true;
  }

  /** Script calls made and requests they carried (for stats). */
  get batchStats(): { batches: number; requests: number } {
    return { batches: this.#batches, requests: this.#batched };
  }

  /** The Redis key holding `rule`'s state for `key` (hash-tagged by the key). */
  redisKey(key: string, ruleId: string): string {
    return `${this.#prefix}:${tagged(key)}:${ruleId}`;
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
      const tag = tagOf(p.request.keys[0] ?? '');
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
    let timeoutMs = Number.POSITIVE_INFINITY;
    for (const { request, deadlineMs } of batch) {
      const rules = request.rules;
      let set = sets.get(rules);
      if (set === undefined) {
        set = sets.size + 1;
        sets.set(rules, set);
        head.push(rules.length);
        for (const rule of rules)
          head.push(rule.code, rule.limit, rule.windowMs, rule.blockDurationMs);
      }
      tail.push(OPS[request.op] + request.cost, set);
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      // One timer per script call, not per check.
      timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const error = new TimeoutError(
          `rate limit script did not answer within ${timeoutMs}ms`,
          timeoutMs,
        );
        for (const p of batch) p.reject(error);
      }, timeoutMs);
      timer.unref?.();
    }
    this.#batches++;
    this.#batched += batch.length;
    this.#redis[COMMAND](keys.length, ...keys, ...head, ...tail).then(
      (reply) => {
        if (timer !== undefined) clearTimeout(timer);
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
        if (timer !== undefined) clearTimeout(timer);
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
