import type { CircuitState } from '@cachestack/core';
import { TypedEmitter } from '@cachestack/core/kit';
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
  /** A store call failed on the file system (the error is also thrown to the caller). */
  'store:error': { operation: string; error: Error };
  /**
   * A background operation (`sweep`, `prune`) failed. Until the next minor version it also
   * reports every `store:error` (deprecated alias).
   */
  error: { operation: string; error: Error };
  /** A circuit breaker (reads or writes) opened: calls fail fast until `openUntil` (epoch ms). */
  'circuit:open': { side: 'read' | 'write'; failures: number; openUntil: number };
  /** An open breaker lets one probe call through. */
  'circuit:half-open': { side: 'read' | 'write' };
  /** A breaker closed (a probe succeeded). */
  'circuit:close': { side: 'read' | 'write' };
  /**
   * A circuit breaker changed state.
   * @deprecated Use `circuit:open`, `circuit:half-open` and `circuit:close`; `circuit` is
   * emitted as well until the next minor version.
   */
  circuit: { side: 'read' | 'write'; state: CircuitState; failures: number };
  /** A namespace lock abandoned by a dead or frozen process was broken. */
  'lock-break': { path: string; holder: string };
}

/** Names of the file store events. */
export type FileStoreEventName = keyof FileStoreEventMap;

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

/**
 * The file store's typed events (core's kit `TypedEmitter`: `has(name)` guards payloads, a
 * throwing listener does not affect the others or the store). Names follow docs/events.md.
 */
export class FileStoreEvents extends TypedEmitter<FileStoreEventMap> {}
