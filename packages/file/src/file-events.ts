import type { CircuitState } from '@cachestack/core';
import type { SweepReport } from './sweep.js';

/** Payloads of the events a file store emits, by event name. */
export interface FileStoreEventMap {
  /** An entry file failed its checks; it was deleted and read as a miss. */
  corrupt: { path: string; reason: string };
  /** The cleaner removed expired files. */
  expire: { count: number };
  /** The cleaner evicted least recently used files to honour `maxBytes`. */
  evict: { count: number; bytes: number };
  /** A cleaner pass finished. */
  sweep: SweepReport;
  /** A file-system operation failed (the error is also thrown to the caller, if any). */
  error: { operation: string; error: Error };
  /** A circuit breaker (reads or writes) changed state. */
  circuit: { side: 'read' | 'write'; state: CircuitState; failures: number };
  /** A namespace lock abandoned by a dead or frozen process was broken. */
  'lock-break': { path: string; holder: string };
}

/** Names of the file store events. */
export type FileStoreEventName = keyof FileStoreEventMap;

type Listener<E extends FileStoreEventName> = (payload: FileStoreEventMap[E]) => void;

/** Counters of a file store since it was created. */
export interface FileStoreStats {
  hits: number;
  misses: number;
  writes: number;
  fenced: number;
  deletes: number;
  corrupt: number;
  expired: number;
  evicted: number;
  evictedBytes: number;
  errors: number;
  lockBreaks: number;
  sweeps: number;
  /** Live entry files and their bytes, as of the last sweep. */
  files: number;
  bytes: number;
}

/** A small typed emitter; a throwing listener does not affect the others or the store. */
export class FileStoreEvents {
  readonly #listeners = new Map<FileStoreEventName, Set<Listener<FileStoreEventName>>>();

  on<E extends FileStoreEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<FileStoreEventName>);
    return () => set.delete(listener as Listener<FileStoreEventName>);
  }

  emit<E extends FileStoreEventName>(event: E, payload: FileStoreEventMap[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch {
        // Listener failures are the listener's business.
      }
    }
  }
}
