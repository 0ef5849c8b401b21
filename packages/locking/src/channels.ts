/**
 * `node:diagnostics_channel` channels of `@cachestack/locking`, for `@cachestack/metrics`.
 * Messages are published only when a channel has subscribers.
 */
import { channel } from 'node:diagnostics_channel';

/** Which implementation published a message. */
export type LockKind = 'local' | 'redis' | 'redlock';

/** Message of `cachestack:locking:acquire`. */
export interface AcquireMessage {
  readonly kind: LockKind;
  readonly resource: string;
  /** Time spent waiting, in ms (0 when uncontended). */
  readonly waitMs: number;
  /** Whether the caller had to wait behind another holder. */
  readonly contended: boolean;
  /** Fencing token, where the implementation has one. */
  readonly fencingToken?: number | undefined;
}

/** Message of `cachestack:locking:release`. */
export interface ReleaseMessage {
  readonly kind: LockKind;
  readonly resource: string;
  /** How long the lock was held, in ms. */
  readonly heldMs: number;
}

/** Message of `cachestack:locking:timeout`. */
export interface TimeoutMessage {
  readonly kind: LockKind;
  readonly resource: string;
  readonly waitMs: number;
}

/** Message of `cachestack:locking:lost` (a lease expired or an extension failed). */
export interface LostMessage {
  readonly kind: LockKind;
  readonly resource: string;
  readonly reason: string;
}

/** The channels. Subscribe with `diagnostics_channel.subscribe(name, fn)` or `.subscribe(fn)`. */
export const lockingChannels = {
  /** A lock was acquired: {@link AcquireMessage}. */
  acquire: channel('cachestack:locking:acquire'),
  /** A lock was released: {@link ReleaseMessage}. */
  release: channel('cachestack:locking:release'),
  /** An acquisition timed out: {@link TimeoutMessage}. */
  timeout: channel('cachestack:locking:timeout'),
  /** A held lock was lost (lease expiry, refused or failed extension): {@link LostMessage}. */
  lost: channel('cachestack:locking:lost'),
} as const;
