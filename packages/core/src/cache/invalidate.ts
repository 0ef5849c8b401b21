import type { InvalidationMessage } from '../contracts/bus.js';
import { coreChannels } from '../contracts/events.js';
import type { InvalidationScope } from '../contracts/invalidation.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';
import type { CacheView } from './view.js';

/**
 * The one invalidation path, behind `delete`, `deleteMany`, `deleteByTag` and `clear`:
 * drop what L1 holds and fence the loads in flight, stop critically refreshing what it
 * covers, apply it to L2 (queued for replay when L2 is down), drop L1 again (a read that
 * raced the L2 call may have promoted the old value), report it, and tell the other
 * instances.
 */
export async function invalidate(view: CacheView, scope: InvalidationScope): Promise<void> {
  const { stack, ns } = view;
  invalidateLocal(stack, ns, scope);
  // A deleted key is not critically refreshed back into the cache.
  stack.critical.forget(ns.name, scope);
  const l2 = stack.l2;
  if (l2) {
    try {
      await l2.invalidate(ns.name, scope);
    } catch {
      // queued for replay by the remote tier, which reported it as store:error
    }
    invalidateLocal(stack, ns, scope);
  }
  switch (scope.kind) {
    case 'keys':
      stack.events.emit('delete', { namespace: ns.name, keys: scope.keys });
      publishInvalidation(stack, { type: 'delete', namespace: ns.name, keys: [...scope.keys] });
      break;
    case 'tags':
      stack.events.emit('delete-tags', { namespace: ns.name, tags: scope.tags });
      publishInvalidation(stack, { type: 'delete-tags', namespace: ns.name, tags: scope.tags });
      break;
    case 'namespace':
      stack.events.emit('clear', { namespace: ns.name });
      publishInvalidation(stack, { type: 'clear', namespace: ns.name });
      break;
  }
}

/**
 * This instance's side of an invalidation: drops the L1 entries it covers, moves the
 * namespace epoch (plain L2 reads in flight will not promote) and fences the loads in
 * flight (they will not write, and later callers will not join them).
 */
export function invalidateLocal(stack: Stack, ns: NamespaceState, scope: InvalidationScope): void {
  const l1 = stack.l1;
  const prefix = ns.l1Prefix;
  if (l1) {
    if (scope.kind === 'keys') {
      for (const key of scope.keys) l1.delete(prefix + key);
    } else if (scope.kind === 'tags') {
      for (const tag of scope.tags) {
        for (const l1Key of l1.keysWithTag(tag)) {
          // the root namespace's keys are the ones without the NUL-framed prefix
          if (l1Key.startsWith(prefix) && (prefix !== '' || !l1Key.startsWith('\u0000'))) {
            l1.delete(l1Key);
          }
        }
      }
    } else {
      l1.deleteWhere(prefix === '' ? (k) => k.charCodeAt(0) !== 0 : (k) => k.startsWith(prefix));
    }
  }
  ns.epoch++;
  stack.flights.fence(ns.name, prefix, scope);
}

/** The scope of an invalidation received from another instance. */
function scopeOf(message: InvalidationMessage): InvalidationScope {
  switch (message.type) {
    case 'delete':
    case 'set':
      return { kind: 'keys', keys: message.keys };
    case 'delete-tags':
      return { kind: 'tags', tags: message.tags };
    case 'clear':
      return { kind: 'namespace' };
  }
}

/** Applies an invalidation received from another instance to this one's L1 and loads. */
export function applyBusMessage(stack: Stack, message: InvalidationMessage): void {
  stack.events.emit('bus:message', { type: message.type, namespace: message.namespace });
  if (coreChannels.bus.hasSubscribers) {
    coreChannels.bus.publish({ type: message.type, namespace: message.namespace });
  }
  const ns = stack.namespaces.get(message.namespace);
  if (!ns) return; // nothing of that namespace lives here
  const scope = scopeOf(message);
  invalidateLocal(stack, ns, scope);
  // A key set elsewhere still exists (and is refreshed here); a deleted one is not.
  if (message.type !== 'set') stack.critical.forget(ns.name, scope);
}

/** Publishes an invalidation; a failure is reported, never thrown at the caller. */
export function publishInvalidation(stack: Stack, message: InvalidationMessage): void {
  const bus = stack.bus;
  if (!bus) return;
  bus.publish(message).catch((error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    stack.events.emit('error', { operation: 'bus:publish', error: err });
    stack.logger.warn({ err }, 'cachestack: bus publish failed');
  });
}

/**
 * Subscribes the stack to its bus: messages are applied as invalidations; while the bus
 * is down L1 is bypassed, and on reconnection L1 is dropped and every load in flight is
 * fenced (invalidations may have been missed). Returns the unsubscribe function.
 */
export function linkBus(stack: Stack): () => void {
  const bus = stack.bus;
  if (!bus) return () => {};
  // The first connection is no reconnection: it still drops L1 (nothing was heard
  // before it) but it is no news for the log.
  let everConnected = bus.state === 'connected';
  const unsubscribe = [
    bus.subscribe((message) => applyBusMessage(stack, message)),
    bus.onStateChange((state) => {
      stack.events.emit('bus:state', { state });
      if (state === 'disconnected') {
        stack.busDown = true;
        stack.logger.warn({}, 'cachestack: bus disconnected, bypassing L1');
      } else {
        stack.l1?.clear();
        stack.flights.fenceAll();
        for (const ns of stack.namespaces.values()) ns.epoch++;
        stack.busDown = false;
        if (everConnected) stack.logger.info({}, 'cachestack: bus reconnected, L1 dropped');
        else stack.logger.debug({}, 'cachestack: bus connected');
        everConnected = true;
      }
    }),
  ];
  return () => {
    for (const off of unsubscribe) off();
  };
}
