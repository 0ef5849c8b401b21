/**
 * Detects a deaf subscriber: Redis acknowledged a heartbeat we published, yet our own
 * subscriber never heard it (or anything of ours) back within the timeout — a half-open
 * connection that no socket event reports.
 */
export class EchoWatchdog {
  /** When the oldest acknowledged-but-unheard heartbeat was sent. */
  #unheardSince: number | undefined;
  #lastEchoAt = Number.NEGATIVE_INFINITY;

  /** Our own frame came back at `now`: the subscriber hears. */
  echo(now: number): void {
    this.#lastEchoAt = now;
    this.#unheardSince = undefined;
  }

  /** Redis acknowledged a heartbeat sent at `sentAt`. */
  acknowledged(sentAt: number): void {
    if (this.#lastEchoAt < sentAt && this.#unheardSince === undefined) this.#unheardSince = sentAt;
  }

  /** Whether an acknowledged heartbeat went unheard for longer than `timeoutMs`. */
  deaf(now: number, timeoutMs: number): boolean {
    return this.#unheardSince !== undefined && now - this.#unheardSince > timeoutMs;
  }

  /** Forgets pending heartbeats (after a (re)subscription). */
  reset(): void {
    this.#unheardSince = undefined;
  }
}
