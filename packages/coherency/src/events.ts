import { channel } from 'node:diagnostics_channel';
import type { BusState, InvalidationMessage } from '@cachestack/core';
import { TypedEmitter } from '@cachestack/core/kit';

/** Payloads of the events a coherency bus emits (low rate; hot-path data goes to channels). */
export interface BusEventMap {
  /** The subscriber connection changed state (the cache follows it). */
  state: { state: BusState; reason: 'connect' | 'disconnect' | 'gap' | 'close' };
  /** An invalidation from another instance was delivered to the handlers. */
  message: { from: string; seq: number; message: InvalidationMessage; lagMs: number };
  /** A message already delivered arrived again and was dropped. */
  duplicate: { from: string; seq: number };
  /**
   * Sequence numbers of a sender went missing. `action` says what was done about it:
   * clears synthesized for the namespaces seen, or a state flap (the cache drops L1).
   */
  gap: { from: string; missing: number; action: 'flap' | 'clear-seen'; namespaces: string[] };
  /** A frame on the channel could not be decoded (other version, garbage). */
  invalid: { reason: string };
  /** A publish failed and waits in the retry queue. */
  'publish:queued': { seq: number; queueLength: number };
  /** The retry queue was full: its oldest message was dropped (receivers will see a gap). */
  'publish:dropped': { seq: number; dropped: number };
  /** Queued messages were sent after all. */
  'publish:retried': { count: number };
  /** A new instance announced itself (heartbeat or first message). */
  'instance:join': { instanceId: string; at: number };
  /** An instance said goodbye or stopped heart-beating for `instanceTimeoutMs`. */
  'instance:gone': { instanceId: string; lastSeenAt: number; reason: 'left' | 'timeout' };
  /** A connection or handler failure (never thrown at the cache). */
  error: { operation: string; error: Error };
}

/** Name of a bus event. */
export type BusEventName = keyof BusEventMap;

/**
 * The bus's typed events (core's kit `TypedEmitter`: a throwing listener never breaks the
 * bus). Names follow docs/events.md.
 */
export class BusEvents extends TypedEmitter<BusEventMap> {}

/**
 * `node:diagnostics_channel` channels, published only when they have subscribers:
 * `cachestack:coherency:publish` `{ instanceId, seq, type, namespace }`,
 * `cachestack:coherency:receive` `{ instanceId, from, seq, type, namespace, lagMs }`,
 * `cachestack:coherency:gap` `{ instanceId, from, missing }`,
 * `cachestack:coherency:state` `{ instanceId, state }`,
 * `cachestack:coherency:instance` `{ instanceId, peer, event: 'join' | 'gone' }`.
 */
export const coherencyChannels = {
  publish: channel('cachestack:coherency:publish'),
  receive: channel('cachestack:coherency:receive'),
  gap: channel('cachestack:coherency:gap'),
  state: channel('cachestack:coherency:state'),
  instance: channel('cachestack:coherency:instance'),
} as const;
