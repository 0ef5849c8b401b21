import type { Bus, BusHandler, BusState, InvalidationMessage } from '../contracts/bus.js';
import { ClosedError } from '../contracts/errors.js';

/**
 * A hub connecting buses in one process. Each bus created from it delivers what it
 * publishes to every other bus of the hub, asynchronously (on a microtask), like a
 * network bus would.
 */
export class MemoryBusHub {
  readonly #members = new Set<MemoryBus>();

  /** Creates a bus attached to this hub. */
  createBus(): MemoryBus {
    const bus = new MemoryBus(this);
    this.#members.add(bus);
    return bus;
  }

  /** @internal */
  deliver(from: MemoryBus, message: InvalidationMessage): void {
    for (const member of this.#members) {
      if (member !== from) member.receive(message);
    }
  }

  /** @internal */
  leave(bus: MemoryBus): void {
    this.#members.delete(bus);
  }
}

/**
 * An in-process {@link Bus}: for several caches in one process, and for tests of
 * coherence rules. `disconnect()` / `reconnect()` simulate a lost connection: while
 * disconnected, publishes reject and messages to this bus are lost, as on a network.
 */
export class MemoryBus implements Bus {
  readonly #hub: MemoryBusHub;
  readonly #handlers = new Set<BusHandler>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #state: BusState = 'connected';
  #closed = false;

  /** @internal use {@link MemoryBusHub.createBus}. */
  constructor(hub: MemoryBusHub) {
    this.#hub = hub;
  }

  get state(): BusState {
    return this.#state;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) throw new ClosedError('bus');
    if (this.#state !== 'connected') throw new Error('memory bus is disconnected');
    queueMicrotask(() => this.#hub.deliver(this, message));
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** @internal */
  receive(message: InvalidationMessage): void {
    if (this.#closed || this.#state !== 'connected') return;
    for (const handler of this.#handlers) handler(message);
  }

  /** Simulates losing the connection. */
  disconnect(): void {
    this.#setState('disconnected');
  }

  /** Simulates the connection coming back. */
  reconnect(): void {
    this.#setState('connected');
  }

  #setState(state: BusState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.leave(this);
    this.#handlers.clear();
    this.#stateListeners.clear();
  }
}

/** Creates a hub; call `hub.createBus()` once per cache that should stay coherent. */
export function createMemoryBusHub(): MemoryBusHub {
  return new MemoryBusHub();
}
