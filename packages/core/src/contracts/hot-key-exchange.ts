/** A key this instance reads often. */
export interface HotKey {
  readonly namespace: string;
  readonly key: string;
  /** Estimated recent access count (0-15, sketch units). */
  readonly score: number;
}

/**
 * Where instances share their hot keys (implemented over Redis by
 * `redisHotKeyExchange` in `@cachestack/redis`).
 */
export interface HotKeyExchange {
  /** Publishes this instance's current top keys (replacing what it published before). */
  publish(instanceId: string, keys: readonly HotKey[]): Promise<void>;
  /** The union of the other live instances' top keys, best first. */
  collect(excludeInstanceId: string): Promise<HotKey[]>;
  /** Releases what the exchange created. Idempotent. */
  close(): Promise<void>;
}
