import { randomUUID } from 'node:crypto';
import {
  type Bus,
  type BusHandler,
  type BusState,
  ClosedError,
  type InvalidationMessage,
  type Logger,
  noopLogger,
} from '@cachestack/core';
import { withDeadline } from '@cachestack/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { createConnections } from './connections.js';
import { EchoWatchdog } from './echo-watchdog.js';
import { BusEvents, coherencyChannels } from './events.js';
import { History, type HistoryEntry } from './history.js';
import { type InstanceInfo, InstanceRegistry } from './instance-registry.js';
import { PublishQueue } from './publish-queue.js';
import {
  type RedisBusOptions,
  type ResolvedBusOptions,
  resolveBusOptions,
} from './redis-bus-options.js';
import { SequenceTracker } from './sequence-tracker.js';
import type { BusSubscriber } from './subscriber.js';
import { decodeFrame, encodeWithHead, type FrameKind, frameHead } from './wire.js';

/** Counters of a {@link RedisBus}. */
export interface BusStats {
  /** Invalidations published by this instance (sent or queued). */
  readonly published: number;
  /** Invalidations from others delivered to the handlers. */
  readonly delivered: number;
  /** Repeated messages dropped. */
  readonly duplicates: number;
  /** Gaps detected (each may cover several missing numbers). */
  readonly gaps: number;
  /** Frames that could not be decoded. */
  readonly invalid: number;
  /** Failed publishes waiting for a retry now. */
  readonly queued: number;
  /** Publishes dropped from the full retry queue (never sent). */
  readonly dropped: number;
  /** Publishes that went out on a retry. */
  readonly retried: number;
  /** Delivery lag of the last delivered message, ms. */
  readonly lastLagMs: number;
}

/**
 * A {@link Bus} over Redis pub/sub. See {@link redisBus}. Besides the `Bus` contract:
 * `on(event)`, `stats()`, `history()`, `instances()` and `ready()`.
 */
export class RedisBus implements Bus {
  /** This instance's id. */
  readonly instanceId: string;
  readonly #o: ResolvedBusOptions;
  readonly #epoch = randomUUID().slice(0, 8);
  /** Head of our own frames: echoes of what we publish are skipped without parsing. */
  readonly #ownHead: string;
  readonly #log: Logger;
  readonly #pub: Redis | Cluster;
  readonly #sub: BusSubscriber;
  readonly #ownsPub: boolean;
  readonly #handlers = new Set<BusHandler>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  readonly #events = new BusEvents();
  readonly #tracker = new SequenceTracker();
  readonly #peers = new InstanceRegistry();
  readonly #history: History;
  readonly #namespaces = new Set<string>();
  readonly #queue: PublishQueue;
  readonly #readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #state: BusState = 'disconnected';
  readonly #startedAt: number;
  #seq = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #watchdog = new EchoWatchdog();
  #counts = { published: 0, delivered: 0, duplicates: 0, gaps: 0, invalid: 0 };
  #lastLagMs = 0;

  /** Use {@link redisBus}. */
  constructor(options: RedisBusOptions) {
    this.#o = resolveBusOptions(options);
    this.instanceId = this.#o.instanceId;
    this.#ownHead = frameHead(this.instanceId, this.#epoch);
    this.#log = (options.logger ?? noopLogger).child({ bus: this.instanceId });
    this.#history = new History(this.#o.historySize);
    this.#startedAt = this.#o.now();
    this.#queue = new PublishQueue({
      send: (payload) => this.#send(payload),
      maxQueuedMessages: this.#o.maxQueuedMessages,
      retryIntervalMs: this.#o.retryIntervalMs,
      events: this.#events,
      logger: this.#log,
    });
    const connections = createConnections(options, this.#o, {
      error: (error) => this.#events.emit('error', { operation: 'subscriber', error }),
      ready: () => void this.#subscribe(),
      close: () => this.#setState('disconnected', 'disconnect'),
      message: (text) => this.#receive(text),
    });
    this.#pub = connections.pub;
    this.#sub = connections.sub;
    this.#ownsPub = connections.ownsPub;
    // A caller's client keeps its own error handling; we only listen on ours.
    if (this.#ownsPub) this.#pub.on('error', this.#onPubError);
    if (this.#o.heartbeatIntervalMs > 0) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatIntervalMs);
      this.#heartbeat.unref();
    }
  }

  get state(): BusState {
    return this.#state;
  }

  /**
   * Resolves once the subscriber is subscribed and, when the bus created its publisher
   * (`url`), that one is connected too (immediately when both are).
   */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('bus'));
    const subscribed =
      this.#state === 'connected'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
    // Our publisher has no offline queue: a publish before it connected would fail.
    const pub = this.#pub as Redis;
    if (!this.#ownsPub || pub.status === 'ready') return subscribed;
    const published = new Promise<void>((resolve) => pub.once('ready', () => resolve()));
    return Promise.all([subscribed, published]).then(() => {});
  }

  /** Listens to a bus event; returns a function removing the listener. */
  on: BusEvents['on'] = (name, listener) => this.#events.on(name, listener);

  // Not `async`: the hot path allocates no promise chain of its own.
  publish(message: InvalidationMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('bus'));
    const seq = ++this.#seq;
    const at = this.#o.now();
    this.#namespaces.add(message.namespace);
    this.#counts.published++;
    this.#history.push({ at, direction: 'out', instanceId: this.instanceId, seq, message });
    if (coherencyChannels.publish.hasSubscribers) {
      coherencyChannels.publish.publish({
        instanceId: this.instanceId,
        seq,
        type: message.type,
        namespace: message.namespace,
      });
    }
    const payload = this.#frame('inv', seq, at, message);
    return this.#queue.submit(seq, payload);
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** The most recent operations (published, received, synthesized), oldest first. */
  history(): HistoryEntry[] {
    return this.#history.list();
  }

  /** Live instances (this one first), with last-seen times. */
  instances(): InstanceInfo[] {
    const now = this.#o.now();
    const self: InstanceInfo = {
      instanceId: this.instanceId,
      self: true,
      firstSeenAt: this.#startedAt,
      lastSeenAt: now,
      lastSeq: this.#seq,
    };
    return [self, ...this.#peers.list()];
  }

  /** Counters (see {@link BusStats}). */
  stats(): BusStats {
    return {
      ...this.#counts,
      queued: this.#queue.length,
      dropped: this.#queue.dropped,
      retried: this.#queue.retried,
      lastLagMs: this.#lastLagMs,
    };
  }

  /**
   * Checks peers for silence now (also done on every heartbeat tick): those not heard of
   * for `instanceTimeoutMs` are reported gone.
   */
  sweep(): void {
    for (const peer of this.#peers.expire(this.#o.now() - this.#o.instanceTimeoutMs)) {
      // The tracker keeps its numbers: if the peer was only cut off (its publishes queued
      // or dropped), what it sends next must still reveal a gap.
      this.#gone(peer.instanceId, peer.lastSeenAt, 'timeout');
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#queue.close();
    if (this.#state === 'connected') {
      // Best effort goodbye, so that peers report us gone at once. It carries every number
      // we used: invalidations abandoned in the retry queue show up as a gap at peers.
      await this.#send(this.#frame('bye', this.#seq, this.#o.now())).catch(() => {});
    }
    this.#setState('disconnected', 'close');
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(new ClosedError('bus'));
    this.#handlers.clear();
    this.#stateListeners.clear();
    this.#sub.disconnect();
    if (this.#ownsPub) this.#pub.disconnect();
    this.#events.clear();
  }

  /** Same as {@link RedisBus.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onPubError = (error: Error): void => {
    this.#events.emit('error', { operation: 'publisher', error });
  };

  #frame(k: FrameKind, s: number, t: number, m?: InvalidationMessage): string {
    return encodeWithHead(this.#ownHead, k, s, t, m);
  }

  #send(payload: string): Promise<unknown> {
    // Our own publisher has a command timeout; a caller's client gets a timer per publish.
    if (this.#ownsPub) return this.#publish(payload);
    return this.#sendWithTimer(payload);
  }

  #publish(payload: string): Promise<unknown> {
    return this.#o.sharded
      ? this.#pub.spublish(this.#o.channel, payload)
      : this.#pub.publish(this.#o.channel, payload);
  }

  #sendWithTimer(payload: string): Promise<unknown> {
    // Core's kit deadline: a `TimeoutError` when the publish is not acknowledged in time.
    return withDeadline(this.#publish(payload), this.#o.publishTimeoutMs, 'redis bus PUBLISH');
  }

  async #subscribe(): Promise<void> {
    try {
      await this.#sub.subscribe();
    } catch (error) {
      this.#events.emit('error', { operation: 'subscribe', error: error as Error });
      this.#sub.reconnect(); // reconnect (to a re-resolved node on a Cluster) and try again
      return;
    }
    if (this.#closed) return;
    // Senders' numbers moved on while we were deaf; the cache drops L1 on `connected`.
    this.#tracker.reset();
    this.#watchdog.reset();
    this.#setState('connected', 'connect');
    this.#beat();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
  }

  #beat(): void {
    if (this.#closed) return;
    this.sweep();
    if (this.#state !== 'connected') return;
    const sentAt = this.#o.now();
    if (this.#watchdog.deaf(sentAt, this.#o.instanceTimeoutMs)) {
      // Redis took our heartbeat but never echoed it back: the subscriber is deaf (a
      // half-open connection). Treat it as lost: bypass L1 and reconnect.
      this.#watchdog.reset();
      const error = new Error('subscriber receives nothing (own heartbeat never echoed)');
      this.#events.emit('error', { operation: 'subscriber', error });
      this.#log.warn({}, 'cachestack: bus subscriber deaf, reconnecting');
      this.#setState('disconnected', 'disconnect');
      this.#sub.reconnect();
      return;
    }
    // Announce the last number Redis has (or will have, in order) — not numbers still
    // waiting in the retry queue, which would look like a gap to receivers.
    const lastSent = this.#queue.oldestSeq === undefined ? this.#seq : this.#queue.oldestSeq - 1;
    this.#send(this.#frame('hb', lastSent, sentAt)).then(
      () => this.#watchdog.acknowledged(sentAt),
      (error: Error) => this.#events.emit('error', { operation: 'heartbeat', error }),
    );
  }

  #receive(text: string): void {
    if (text.startsWith(this.#ownHead)) {
      // Our own echo: proof that the subscriber hears.
      this.#watchdog.echo(this.#o.now());
      return;
    }
    const frame = decodeFrame(text);
    if (!frame) {
      this.#counts.invalid++;
      this.#events.emit('invalid', { reason: 'undecodable frame' });
      return;
    }
    if (frame.i === this.instanceId && frame.e === this.#epoch) return; // our own, re-encoded
    const now = this.#o.now();
    const sender = `${frame.i}/${frame.e}`;
    if (frame.k === 'bye') {
      const missing = this.#tracker.checkHigh(sender, frame.s);
      if (missing > 0) this.#gap(frame.i, missing);
      const peer = this.#peers.remove(sender);
      this.#tracker.forget(sender);
      if (peer) this.#gone(peer.instanceId, peer.lastSeenAt, 'left');
      return;
    }
    if (this.#peers.seen(sender, frame.i, frame.s, now)) {
      this.#events.emit('instance:join', { instanceId: frame.i, at: now });
      if (coherencyChannels.instance.hasSubscribers) {
        coherencyChannels.instance.publish({
          instanceId: this.instanceId,
          peer: frame.i,
          event: 'join',
        });
      }
    }
    if (frame.k === 'hb') {
      const missing = this.#tracker.checkHigh(sender, frame.s);
      if (missing > 0) this.#gap(frame.i, missing);
      return;
    }
    const message = frame.m!;
    const verdict = this.#tracker.observe(sender, frame.s);
    if (verdict.kind === 'duplicate') {
      this.#counts.duplicates++;
      this.#events.emit('duplicate', { from: frame.i, seq: frame.s });
      return;
    }
    if (verdict.kind === 'gap') this.#gap(frame.i, verdict.missing);
    this.#namespaces.add(message.namespace);
    const lagMs = now - frame.t;
    this.#lastLagMs = lagMs;
    this.#counts.delivered++;
    this.#history.push({
      at: now,
      direction: 'in',
      instanceId: frame.i,
      seq: frame.s,
      message,
      lagMs,
    });
    this.#deliver(message);
    if (this.#events.has('message')) {
      this.#events.emit('message', { from: frame.i, seq: frame.s, message, lagMs });
    }
    if (coherencyChannels.receive.hasSubscribers) {
      coherencyChannels.receive.publish({
        instanceId: this.instanceId,
        from: frame.i,
        seq: frame.s,
        type: message.type,
        namespace: message.namespace,
        lagMs,
      });
    }
  }

  #gap(from: string, missing: number): void {
    this.#counts.gaps++;
    const action = this.#o.gapPolicy;
    const namespaces = [...this.#namespaces];
    this.#log.warn({ from, missing, action }, 'cachestack: bus sequence gap');
    if (coherencyChannels.gap.hasSubscribers) {
      coherencyChannels.gap.publish({ instanceId: this.instanceId, from, missing });
    }
    this.#events.emit('gap', { from, missing, action, namespaces });
    if (action === 'flap') {
      this.#setState('disconnected', 'gap');
      this.#setState('connected', 'gap');
      return;
    }
    const at = this.#o.now();
    for (const namespace of namespaces) {
      const message: InvalidationMessage = { type: 'clear', namespace };
      this.#history.push({
        at,
        direction: 'synthesized',
        instanceId: this.instanceId,
        seq: 0,
        message,
      });
      this.#deliver(message);
    }
  }

  #deliver(message: InvalidationMessage): void {
    for (const handler of this.#handlers) {
      try {
        handler(message);
      } catch (error) {
        this.#events.emit('error', { operation: 'handler', error: error as Error });
      }
    }
  }

  #gone(instanceId: string, lastSeenAt: number, reason: 'left' | 'timeout'): void {
    this.#events.emit('instance:gone', { instanceId, lastSeenAt, reason });
    if (coherencyChannels.instance.hasSubscribers) {
      coherencyChannels.instance.publish({
        instanceId: this.instanceId,
        peer: instanceId,
        event: 'gone',
      });
    }
  }

  #setState(state: BusState, reason: 'connect' | 'disconnect' | 'gap' | 'close'): void {
    if (this.#state === state) return;
    this.#state = state;
    if (reason !== 'gap') this.#log.info({ state }, 'cachestack: bus state');
    this.#events.emit('state', { state, reason });
    if (coherencyChannels.state.hasSubscribers) {
      coherencyChannels.state.publish({ instanceId: this.instanceId, state });
    }
    for (const listener of this.#stateListeners) listener(state);
  }
}

/**
 * Creates an invalidation bus over Redis pub/sub, for `createCache({ bus })`.
 * @throws InvalidOptionError for invalid options.
 * @example
 * const bus = redisBus({ client: redis, channel: 'shop:cache' });
 * const cache = createCache({ l2: redisStore({ client: redis }), bus });
 */
export function redisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options);
}
