import { connect, createServer, type Socket } from 'node:net';
import type { BusState, InvalidationMessage } from '@cachestack/core';
import { Redis } from 'ioredis';
import type { BusEventMap, BusEventName } from '../src/events.js';
import { encodeFrame, WIRE_VERSION, type WireFrame } from '../src/wire.js';

interface HasEvents {
  on<E extends BusEventName>(name: E, listener: (payload: BusEventMap[E]) => void): () => void;
}

/** Resolves with the next `name` event matching `match`. */
export function nextEvent<E extends BusEventName>(
  bus: HasEvents,
  name: E,
  match: (payload: BusEventMap[E]) => boolean = () => true,
): Promise<BusEventMap[E]> {
  return new Promise((resolve) => {
    const off = bus.on(name, (payload) => {
      if (!match(payload)) return;
      off();
      resolve(payload);
    });
  });
}

/** Resolves when the bus reaches `state` (via onStateChange). */
export function nextState(
  bus: { onStateChange(l: (s: BusState) => void): () => void },
  state: BusState,
): Promise<void> {
  return new Promise((resolve) => {
    const off = bus.onStateChange((s) => {
      if (s === state) {
        off();
        resolve();
      }
    });
  });
}

/** Publishes hand-made frames on a channel, as a fake instance would. */
export class RawSender {
  readonly client: Redis;
  readonly channel: string;
  readonly instanceId: string;
  readonly epoch: string;

  constructor(url: string, channel: string, instanceId = 'raw', epoch = 'e1') {
    this.client = new Redis(url);
    this.channel = channel;
    this.instanceId = instanceId;
    this.epoch = epoch;
  }

  frame(partial: Partial<WireFrame> & { s: number }): string {
    return encodeFrame({
      v: WIRE_VERSION,
      k: 'inv',
      i: this.instanceId,
      e: this.epoch,
      t: performance.timeOrigin + performance.now(),
      ...partial,
    });
  }

  async inv(seq: number, message: InvalidationMessage): Promise<void> {
    await this.client.publish(this.channel, this.frame({ s: seq, m: message }));
  }

  async hb(lastSeq: number): Promise<void> {
    await this.client.publish(this.channel, this.frame({ k: 'hb', s: lastSeq }));
  }

  async bye(lastSeq: number): Promise<void> {
    await this.client.publish(this.channel, this.frame({ k: 'bye', s: lastSeq }));
  }

  async raw(text: string): Promise<void> {
    await this.client.publish(this.channel, text);
  }

  close(): void {
    this.client.disconnect();
  }
}

/** A message with keys, for brevity. */
export const del = (namespace: string, ...keys: string[]): InvalidationMessage => ({
  type: 'delete',
  namespace,
  keys,
});

/** A TCP proxy that can silently stop forwarding on its current connections. */
export interface BlackholeProxy {
  readonly port: number;
  /** Existing connections stay open but forward nothing (a half-open link); new ones work. */
  blackhole(): void;
  close(): Promise<void>;
}

/** Starts a TCP proxy to 127.0.0.1:targetPort on a free port. */
export function startProxy(targetPort: number): Promise<BlackholeProxy> {
  const links: { client: Socket; upstream: Socket; dead: boolean }[] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const link = { client, upstream, dead: false };
    links.push(link);
    client.on('data', (d) => {
      if (!link.dead) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!link.dead) client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        blackhole() {
          for (const link of links) link.dead = true;
        },
        close() {
          for (const link of links) {
            link.client.destroy();
            link.upstream.destroy();
          }
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
