/**
 * The invalidation bus contract (implemented by `@cachestack/coherency`, and in memory by
 * {@link createMemoryBus} for caches in one process). Messages never carry values: a
 * `set` elsewhere is an invalidation here.
 */

/** An invalidation to apply to every other instance's L1. */
export type InvalidationMessage =
  | { readonly type: 'delete'; readonly namespace: string; readonly keys: readonly string[] }
  | { readonly type: 'set'; readonly namespace: string; readonly keys: readonly string[] }
  | { readonly type: 'delete-tags'; readonly namespace: string; readonly tags: readonly string[] }
  | { readonly type: 'clear'; readonly namespace: string };

/** Receives messages published by other instances. */
export type BusHandler = (message: InvalidationMessage) => void;

/** Connection state of a bus. */
export type BusState = 'connected' | 'disconnected';

/**
 * Carries invalidations between instances. A bus delivers to an instance only the
 * messages published by other instances. While `state` is `disconnected` the cache
 * bypasses its L1 (it may have missed invalidations); on reconnection the cache drops
 * its L1.
 */
export interface Bus {
  /** Current connection state. */
  readonly state: BusState;
  /** Publishes to the other instances. Rejects when the message could not be sent. */
  publish(message: InvalidationMessage): Promise<void>;
  /** Registers a handler; returns an unsubscribe function. */
  subscribe(handler: BusHandler): () => void;
  /** Registers a state listener; returns an unsubscribe function. */
  onStateChange(listener: (state: BusState) => void): () => void;
  /** Stops delivery and releases what the bus created. Idempotent. */
  close(): Promise<void>;
}
