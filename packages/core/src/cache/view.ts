import { ClosedError, InvalidKeyError, InvalidOptionError } from '../contracts/errors.js';
import type { NamespaceOptions, ResolvedLoadOptions } from '../contracts/options.js';
import { assertKey, assertName } from '../keys/key-schema.js';
import type { ResolvedLock } from '../load/load-request.js';
import type { NamespaceState, Stack } from '../tiers/stack.js';
import { resolveLoadOptions } from './resolve-options.js';

/**
 * One `Cache` object's view of the shared {@link Stack}: its namespace, its defaults and
 * the lock settings. Every operation in `cache/` takes one.
 */
export interface CacheView {
  readonly stack: Stack;
  readonly ns: NamespaceState;
  readonly defaults: ResolvedLoadOptions;
  readonly lock: ResolvedLock | undefined;
  /** Whether this view owns the stack (the cache `createCache` returned). */
  readonly root: boolean;
  /** Set by this view's `close()`. */
  closed: boolean;
}

/** @throws ClosedError once the view or its stack is closed. */
export function assertOpen(view: CacheView): void {
  if (view.closed || view.stack.closed) throw new ClosedError();
}

/** Checks that the view is open and `key` is a valid key. */
export function checkKey(view: CacheView, key: unknown): asserts key is string {
  if (view.closed || view.stack.closed) throw new ClosedError();
  assertKey(key, view.stack.maxKeyLength);
  if ((key as string).charCodeAt(0) === 0)
    throw new InvalidKeyError('key must not start with a NUL character');
}

/** Checks an array of keys. */
export function checkKeys(view: CacheView, keys: unknown): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidKeyError('keys must be an array of strings');
  for (const key of keys) checkKey(view, key);
}

/**
 * The view of a child namespace (`name` under this view's namespace), with its own
 * defaults and priority, sharing the stack.
 */
export function childView(view: CacheView, name: string, options: NamespaceOptions): CacheView {
  assertOpen(view);
  assertName('namespace', name);
  const full = view.root ? name : `${view.ns.name}.${name}`;
  if (full === view.stack.rootName) {
    throw new InvalidKeyError(`namespace "${name}" is the root namespace`);
  }
  const ns = view.stack.namespace(full, false);
  if (options.priority !== undefined) {
    if (!['high', 'medium', 'low'].includes(options.priority)) {
      throw new InvalidOptionError('priority', "expected 'high', 'medium' or 'low'");
    }
    ns.priority = options.priority;
  }
  const defaults = resolveLoadOptions(view.defaults, options.defaults);
  return { stack: view.stack, ns, defaults, lock: view.lock, root: false, closed: false };
}
