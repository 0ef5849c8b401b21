import { jsonSerializer } from '../codec/serializer.js';
import { type Clock, isClock, systemClock } from '../contracts/clock.js';
import { InvalidOptionError } from '../contracts/errors.js';
import { CacheEvents, coreChannels } from '../contracts/events.js';
import { type Logger, noopLogger } from '../contracts/logger.js';
import type { CacheOptions, L2Options, PromotionStrategy } from '../contracts/options.js';
import { HotKeySharing } from '../features/hot-key-sharing.js';
import { assertName } from '../keys/key-schema.js';
import type { ResolvedLock } from '../load/load-request.js';
import { MemoryTier } from '../tiers/memory-tier.js';
import { RemoteTier } from '../tiers/remote-tier.js';
import { estimateSize } from '../tiers/size-of.js';
import { Stack } from '../tiers/stack.js';
import { Cache } from './cache.js';
import { linkBus } from './invalidate.js';
import {
  assertBus,
  assertCodec,
  assertDecoders,
  assertKnownOptions,
  assertLocker,
  assertLogger,
  assertObject,
  assertSerializer,
  assertStore,
  isStore,
  OPTION_NAMES,
} from './option-shapes.js';
import {
  BASE_DEFAULTS,
  bytesOption,
  durationOption,
  intOption,
  resolveLoadOptions,
} from './resolve-options.js';

/**
 * Creates a cache. Every option is checked here, once.
 * @throws InvalidOptionError / InvalidKeyError for invalid options.
 * @example
 * const cache = createCache({ l2: redisStore({ url, prefix: 'app' }), defaults: { ttl: '5m', grace: '1h' } });
 * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id));
 */
export function createCache(options: CacheOptions = {}): Cache {
  assertObject('options', options);
  assertKnownOptions('', options, OPTION_NAMES.cache);
  const namespace = options.namespace ?? 'default';
  assertName('namespace', namespace);
  const clock = resolveClock(options);
  if (options.logger !== undefined) assertLogger(options.logger);
  if (options.bus !== undefined) assertBus(options.bus);
  if (options.serializer !== undefined) assertSerializer(options.serializer);
  if (options.codec !== undefined) assertCodec('codec', options.codec);
  if (options.decoders !== undefined) assertDecoders(options.decoders);
  const logger = options.logger ?? noopLogger;
  const events = new CacheEvents();
  const maxKeyLength = intOption('maxKeyLength', options.maxKeyLength, 1, 1024);
  const l1 = resolveL1(options, clock, events);
  const l2 = resolveL2(options, clock, events, logger);
  const lock = resolveLock(options);
  const defaults = resolveLoadOptions(BASE_DEFAULTS, options.defaults);
  const stack = new Stack({
    l1: l1?.tier,
    l2,
    bus: options.bus,
    events,
    logger,
    clock,
    maxKeyLength,
    promotion: l1?.promotion ?? 'immediate',
    promotionWindowMs: l1?.promotionWindowMs ?? 0,
    maxEntries: l1?.maxEntries ?? 0,
  });
  if (options.hotKeys !== undefined) {
    const h = options.hotKeys;
    assertObject('hotKeys', h);
    assertKnownOptions('hotKeys', h, OPTION_NAMES.hotKeys);
    stack.hotKeys = new HotKeySharing({
      topK: intOption('hotKeys.topK', h.topK, 1, 100),
      exchange: h.exchange,
      instanceId: h.instanceId ?? `cs-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
      publishIntervalMs: durationOption('hotKeys.publishIntervalMs', h.publishIntervalMs, 30_000),
      events,
      clock,
    });
  }
  stack.unlinkBus = linkBus(stack);
  const ns = stack.namespace(namespace, true);
  return new Cache({ stack, ns, defaults, lock, root: true, closed: false });
}

/** `clock`, or `now` (the older option, kept as an alias: system timers, this time). */
function resolveClock(options: CacheOptions): Clock {
  if (options.clock !== undefined && !isClock(options.clock))
    throw new InvalidOptionError(
      'clock',
      'expected a Clock { now, monotonic, setTimeout, clearTimeout }',
    );
  if (options.clock !== undefined && options.now !== undefined)
    throw new InvalidOptionError('now', 'pass either now or clock, not both');
  const now = options.now;
  if (now !== undefined && typeof now !== 'function')
    throw new InvalidOptionError('now', 'must be a function');
  return options.clock ?? (now ? { ...systemClock, now } : systemClock);
}

function resolveL1(options: CacheOptions, clock: Clock, events: CacheEvents) {
  const l1o = options.l1 === undefined ? {} : options.l1;
  if (l1o === false) return undefined;
  if (typeof l1o !== 'object' || l1o === null || Array.isArray(l1o))
    throw new InvalidOptionError('l1', 'expected an object or false');
  assertKnownOptions('l1', l1o, OPTION_NAMES.l1);
  const maxEntries = intOption('l1.maxEntries', l1o.maxEntries, 1, 10_000);
  const maxBytes = bytesOption('l1.maxBytes', l1o.maxBytes, 0);
  const policy = l1o.policy ?? 'w-tinylfu';
  if (!['w-tinylfu', 'lru', 'fifo', 'lfu'].includes(policy))
    throw new InvalidOptionError('l1.policy', "expected 'w-tinylfu', 'lru', 'fifo' or 'lfu'");
  const admission = l1o.admission ?? 'none';
  if (!['none', 'tinylfu'].includes(admission))
    throw new InvalidOptionError('l1.admission', "expected 'none' or 'tinylfu'");
  const promotion: PromotionStrategy = l1o.promotion ?? 'immediate';
  let promotionWindowMs = 0;
  if (typeof promotion === 'object' && promotion !== null) {
    intOption('l1.promotion.afterHits', promotion.afterHits, 1, 1);
    promotionWindowMs = durationOption('l1.promotion.windowMs', promotion.windowMs, 60_000);
    if (promotionWindowMs <= 0)
      throw new InvalidOptionError('l1.promotion.windowMs', 'must be > 0');
  } else if (promotion !== 'immediate' && promotion !== 'frequency') {
    throw new InvalidOptionError(
      'l1.promotion',
      "expected 'immediate', 'frequency' or { afterHits, windowMs }",
    );
  }
  if (l1o.sizeOf !== undefined && typeof l1o.sizeOf !== 'function')
    throw new InvalidOptionError('l1.sizeOf', 'must be a function');
  const sizeOf = maxBytes > 0 ? (l1o.sizeOf ?? estimateSize) : undefined;
  const tier = new MemoryTier({
    maxEntries,
    maxBytes,
    policy,
    admission,
    trackFrequency: promotion === 'frequency',
    clock,
    sizeOf: sizeOf ?? (() => 0),
    onEvict: (key, reason) => {
      if (events.has('evict')) events.emit('evict', { key, reason });
      if (coreChannels.evict.hasSubscribers) coreChannels.evict.publish({ key, reason });
    },
  });
  return { tier, promotion, promotionWindowMs, maxEntries };
}

function resolveL2(
  options: CacheOptions,
  clock: Clock,
  events: CacheEvents,
  logger: Logger,
): RemoteTier | undefined {
  if (options.l2 === undefined) return undefined;
  let l2o: L2Options;
  if (isStore(options.l2)) {
    assertStore('l2', options.l2);
    l2o = { store: options.l2 };
  } else {
    assertObject('l2', options.l2);
    assertKnownOptions('l2', options.l2, OPTION_NAMES.l2);
    l2o = options.l2 as L2Options;
    if (!isStore(l2o.store))
      throw new InvalidOptionError('l2', 'expected a RemoteStore or { store }');
    assertStore('l2.store', l2o.store);
  }
  return new RemoteTier({
    store: l2o.store,
    serializer: options.serializer ?? jsonSerializer,
    codec: options.codec,
    decoders: options.decoders ?? [],
    timeoutMs: durationOption('l2.timeoutMs', l2o.timeoutMs, 1000),
    failureThreshold: intOption('l2.failureThreshold', l2o.failureThreshold, 1, 5),
    breakDurationMs: durationOption('l2.breakDurationMs', l2o.breakDurationMs, 5000),
    closeStore: l2o.closeStore ?? true,
    maxPendingInvalidations: intOption(
      'l2.maxPendingInvalidations',
      l2o.maxPendingInvalidations,
      1,
      10_000,
    ),
    events,
    logger,
    clock,
  });
}

function resolveLock(options: CacheOptions): ResolvedLock | undefined {
  if (options.lock === undefined) return undefined;
  assertObject('lock', options.lock);
  assertKnownOptions('lock', options.lock, OPTION_NAMES.lock);
  assertLocker(options.lock.locker);
  return {
    locker: options.lock.locker,
    acquireTimeoutMs: durationOption('lock.acquireTimeoutMs', options.lock.acquireTimeoutMs, 5000),
    leaseMs: durationOption('lock.leaseMs', options.lock.leaseMs, 30_000),
  };
}
