import type {
  L1Options,
  L2Options,
  LoadOptions,
  LockOptions,
  NamespaceOptions,
  PromotionStrategy,
} from '@cachestack/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CacheStackConfig,
  type CacheStackConfigInput,
  loadConfig,
  type RedisL2Config,
  validateConfig,
} from '../src/index.js';

describe('types', () => {
  it('accepts strings for sizes and durations in the input type and returns numbers', () => {
    const input: CacheStackConfigInput = {
      l1: { maxBytes: '64mb', promotion: { afterHits: 2, windowMs: '1m' } },
      l2: { kind: 'redis', url: 'redis://localhost:6379', commandTimeoutMs: '500ms' },
      defaults: { ttl: '5m' },
      namespaces: { users: { ttl: '30s', priority: 'high' } },
      rateLimits: { api: { algorithm: 'gcra', limit: 10, windowMs: '1s' } },
    };
    const result = validateConfig(input);
    expect(result.valid).toBe(true);
    if (result.valid) {
      expectTypeOf(result.config).toEqualTypeOf<CacheStackConfig>();
      expectTypeOf(result.config.l1.maxBytes).toEqualTypeOf<number>();
      expect(result.config.l2.kind === 'redis' && result.config.l2.commandTimeoutMs).toBe(500);
      if (result.config.l2.kind === 'redis')
        expectTypeOf(result.config.l2).toEqualTypeOf<RedisL2Config>();
    }
    expectTypeOf(loadConfig).returns.toHaveProperty('config').toEqualTypeOf<CacheStackConfig>();
  });
});

describe('compatibility with @cachestack/core option types', () => {
  it('resolves sections that core accepts as they are', () => {
    const { config } = loadConfig({
      env: false,
      profile: 'production',
      overrides: {
        namespaces: { users: { ttl: '1m' } },
        l1: { promotion: { afterHits: 2, windowMs: '1m' } },
      },
    });
    // Compile-time checks: these assignments fail `pnpm typecheck` if the shapes drift.
    const l1: L1Options = config.l1;
    const defaults: LoadOptions = config.defaults;
    const users: LoadOptions = config.namespaces.users!.defaults;
    const namespace: NamespaceOptions = config.namespaces.users!;
    const lock: Omit<LockOptions, 'locker'> = config.locking;
    const breaker: Pick<L2Options, 'failureThreshold' | 'breakDurationMs'> = config.circuitBreaker;
    const promotion: PromotionStrategy = config.l1.promotion;
    expect(
      [l1, defaults, users, namespace, lock, breaker, promotion].every((v) => v !== undefined),
    ).toBe(true);
    expect(config.defaults.jitter).toBeLessThan(1);
    expect(config.defaults.eagerRefresh).toBeLessThan(1);
  });
});
