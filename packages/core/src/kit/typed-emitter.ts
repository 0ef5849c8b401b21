/**
 * A small typed emitter over an event map. `has(name)` is a cheap check so hot paths
 * build payloads only when someone listens. A listener that throws is isolated from
 * the others and from the emitter's owner. Every package's events use it; the names and
 * payloads follow one vocabulary (docs/events.md).
 *
 * @typeParam M - Payloads by event name.
 */
export class TypedEmitter<M extends object> {
  readonly #listeners = new Map<keyof M, Set<(payload: never) => void>>();

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends keyof M>(name: E, listener: (payload: M[E]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(name, listener);
  }

  /** Subscribes for the next event of `name` only; returns a function that unsubscribes. */
  once<E extends keyof M>(name: E, listener: (payload: M[E]) => void): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Unsubscribes a listener. */
  off<E extends keyof M>(name: E, listener: (payload: M[E]) => void): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    set.delete(listener as (payload: never) => void);
    if (set.size === 0) this.#listeners.delete(name);
  }

  /** Whether anyone listens to `name`. */
  has(name: keyof M): boolean {
    // Most emitters have no listener at all: skip the lookup on the hot path.
    return this.#listeners.size !== 0 && this.#listeners.has(name);
  }

  /** Delivers a payload to every listener of `name`. */
  emit<E extends keyof M>(name: E, payload: M[E]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (payload: M[E]) => void)(payload);
      } catch {
        // A failing listener must not break the emitter's owner or the other listeners.
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
