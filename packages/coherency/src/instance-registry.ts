/** A live instance, as seen by heartbeats and messages. */
export interface InstanceInfo {
  /** The instance's id. */
  readonly instanceId: string;
  /** Whether it is the instance asking. */
  readonly self: boolean;
  /** When it was first heard of (this bus's clock, ms). */
  readonly firstSeenAt: number;
  /** When it was last heard of (this bus's clock, ms). */
  readonly lastSeenAt: number;
  /** The last sequence number it used. */
  readonly lastSeq: number;
}

interface Peer {
  instanceId: string;
  sender: string;
  firstSeenAt: number;
  lastSeenAt: number;
  lastSeq: number;
}

/** Tracks peers by sender (`instance/epoch`); reports the silent ones. */
export class InstanceRegistry {
  readonly #peers = new Map<string, Peer>();

  /** Notes a frame from a peer; returns true when the peer is new. */
  seen(sender: string, instanceId: string, seq: number, at: number): boolean {
    const peer = this.#peers.get(sender);
    if (peer) {
      peer.lastSeenAt = at;
      if (seq > peer.lastSeq) peer.lastSeq = seq;
      return false;
    }
    this.#peers.set(sender, { instanceId, sender, firstSeenAt: at, lastSeenAt: at, lastSeq: seq });
    return true;
  }

  /** Removes a peer; returns it when it was known. */
  remove(sender: string): Peer | undefined {
    const peer = this.#peers.get(sender);
    this.#peers.delete(sender);
    return peer;
  }

  /** Removes and returns the peers not heard of since `deadline`. */
  expire(deadline: number): Peer[] {
    const gone: Peer[] = [];
    for (const peer of this.#peers.values()) {
      if (peer.lastSeenAt < deadline) gone.push(peer);
    }
    for (const peer of gone) this.#peers.delete(peer.sender);
    return gone;
  }

  /** The live peers. */
  list(): InstanceInfo[] {
    return [...this.#peers.values()].map((p) => ({
      instanceId: p.instanceId,
      self: false,
      firstSeenAt: p.firstSeenAt,
      lastSeenAt: p.lastSeenAt,
      lastSeq: p.lastSeq,
    }));
  }
}
