import type { InvalidationMessage } from '@cachestack/core';

/** Version of the wire format written by this package. Readers drop other versions. */
export const WIRE_VERSION = 1;

/** What a frame on the bus channel carries. */
export type FrameKind = 'inv' | 'hb' | 'bye';

/**
 * One frame on the channel, as JSON:
 * `{"v":1,"k":"inv","i":"<instance>","e":"<epoch>","s":42,"t":1732200000123.4,"m":{...}}`.
 *
 * - `i` instance id, `e` epoch (random per bus object, so a restarted process reusing an
 *   instance id starts a fresh sequence), `s` the sender's sequence number: invalidations
 *   take the next number; heartbeats and goodbyes repeat the last one used, so that a
 *   receiver notices a lost trailing invalidation at the next heartbeat.
 * - `t` the sender's wall clock in ms (fractional), used for delivery lag.
 */
export interface WireFrame {
  readonly v: number;
  readonly k: FrameKind;
  readonly i: string;
  readonly e: string;
  readonly s: number;
  readonly t: number;
  readonly m?: InvalidationMessage;
}

/**
 * Encodes a frame (JSON text). Fields are written in a fixed order (`v`, `i`, `e`, `k`,
 * `s`, `t`, `m`) so that a receiver can recognise its own frames by their head
 * ({@link frameHead}) without parsing them.
 */
export function encodeFrame(frame: WireFrame): string {
  return encodeWithHead(frameHead(frame.i, frame.e, frame.v), frame.k, frame.s, frame.t, frame.m);
}

/** {@link encodeFrame} with the sender's head computed once (the bus's hot path). */
export function encodeWithHead(
  head: string,
  k: FrameKind,
  s: number,
  t: number,
  m?: InvalidationMessage,
): string {
  const tail = m === undefined ? '}' : `,"m":${JSON.stringify(m)}}`;
  return `${head}"k":"${k}","s":${s},"t":${t}${tail}`;
}

/** The first characters of every frame {@link encodeFrame} writes for one sender. */
export function frameHead(instanceId: string, epoch: string, version = WIRE_VERSION): string {
  return `{"v":${version},"i":${JSON.stringify(instanceId)},"e":${JSON.stringify(epoch)},`;
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function isMessage(m: unknown): m is InvalidationMessage {
  if (m === null || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (typeof o.namespace !== 'string') return false;
  switch (o.type) {
    case 'delete':
    case 'set':
      return isStringArray(o.keys);
    case 'delete-tags':
      return isStringArray(o.tags);
    case 'clear':
      return true;
    default:
      return false;
  }
}

/**
 * Decodes a frame; `undefined` when it is not valid JSON, not a frame of
 * {@link WIRE_VERSION}, or malformed.
 */
export function decodeFrame(text: string | Buffer): WireFrame | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const f = raw as Record<string, unknown>;
  if (f.v !== WIRE_VERSION) return undefined;
  if (f.k !== 'inv' && f.k !== 'hb' && f.k !== 'bye') return undefined;
  if (typeof f.i !== 'string' || typeof f.e !== 'string') return undefined;
  if (typeof f.s !== 'number' || !Number.isSafeInteger(f.s) || f.s < 0) return undefined;
  if (typeof f.t !== 'number' || !Number.isFinite(f.t)) return undefined;
  if (f.k === 'inv' && !isMessage(f.m)) return undefined;
  return raw as WireFrame;
}
