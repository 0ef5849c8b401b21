import { describe, expect, it } from 'vitest';
import { type CacheStackConfig, type ConfigIssue, validateConfig } from '../src/index.js';
import { schemaValidator } from '../src/validator.js';

function valid(input: unknown): CacheStackConfig {
  const result = validateConfig(input);
  if (!result.valid) throw new Error(`expected valid, got ${JSON.stringify(result.errors)}`);
  return result.config;
}

function errorsOf(input: unknown): readonly ConfigIssue[] {
  const result = validateConfig(input);
  expect(result.valid).toBe(false);
  return result.errors;
}

function errorAt(input: unknown, path: string): ConfigIssue {
  const found = errorsOf(input).find((e) => e.path === path);
  if (!found)
    throw new Error(`no error at ${path}: ${JSON.stringify(validateConfig(input).errors)}`);
  return found;
}

describe('schema defaults', () => {
  it('compiles the schema once and reuses the validator', () => {
    validateConfig({});
    const first = schemaValidator();
    validateConfig({ l1: { policy: 'lfu' } });
    expect(schemaValidator()).toBe(first);
  });

  it('resolves an empty object to the documented defaults, in ms and bytes', () => {
    const config = valid({});
    expect(config.l1).toEqual({
      maxEntries: 10_000,
      maxBytes: 0,
      policy: 'w-tinylfu',
      admission: 'none',
      promotion: 'immediate',
    });
    expect(config.l2).toEqual({ kind: 'none' });
    expect(config.defaults).toEqual({
      ttl: 300_000,
      grace: 0,
      softTimeoutMs: 0,
      hardTimeoutMs: 0,
      eagerRefresh: 0,
      jitter: 0,
    });
    expect(config.circuitBreaker).toEqual({ failureThreshold: 5, breakDurationMs: 5000 });
    expect(config.compression).toEqual({
      algorithm: 'none',
      thresholdBytes: 1024,
      minSavingsRatio: 0.1,
      maxDecompressedBytes: 64 * 1024 * 1024,
    });
    expect(config.locking).toEqual({ acquireTimeoutMs: 5000, leaseMs: 30_000 });
    expect(config.coherency).toEqual({
      enabled: false,
      channel: 'cachestack:invalidation',
      heartbeatMs: 5000,
      instanceTimeoutMs: 15_000,
    });
    expect(config.rateLimits).toEqual({});
    expect(config.metrics.health.hitRate).toEqual({ warning: 0.8, critical: 0.5 });
    expect(config.metrics.health.l2ErrorRate).toEqual({ warning: 0.01, critical: 0.05 });
    expect(config.metrics.health.weights).toEqual({ hitRate: 0.4, latency: 0.3, errorRate: 0.3 });
    expect(config.namespaces).toEqual({});
  });

  it('returns a deeply frozen configuration', () => {
    const config = valid({ namespaces: { users: { ttl: 1000 } } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.l1)).toBe(true);
    expect(Object.isFrozen(config.namespaces.users)).toBe(true);
  });

  it('accepts and ignores $schema', () => {
    const config = valid({ $schema: './schema.json' });
    expect('$schema' in config).toBe(false);
  });

  it('never modifies its input', () => {
    const input = { l1: { maxBytes: '64mb' }, namespaces: { users: { ttl: '5m' } } };
    const copy = structuredClone(input);
    valid(input);
    validateConfig(input, { autoCorrect: true, profile: 'production' });
    expect(input).toEqual(copy);
  });
});

describe('units', () => {
  it('converts durations and byte sizes written as strings', () => {
    const config = valid({
      l1: { maxBytes: '64mb' },
      defaults: { ttl: '5m', grace: '1h', softTimeoutMs: '250ms', hardTimeoutMs: '2s' },
      compression: { thresholdBytes: '2kb', maxDecompressedBytes: '1gb' },
      coherency: { heartbeatMs: '1s', instanceTimeoutMs: '1d' },
    });
    expect(config.l1.maxBytes).toBe(64 * 1024 * 1024);
    expect(config.defaults).toMatchObject({
      ttl: 300_000,
      grace: 3_600_000,
      softTimeoutMs: 250,
      hardTimeoutMs: 2000,
    });
    expect(config.compression.thresholdBytes).toBe(2048);
    expect(config.compression.maxDecompressedBytes).toBe(1024 ** 3);
    expect(config.coherency.instanceTimeoutMs).toBe(86_400_000);
  });

  it('reports an unparsable duration once, with its path and value', () => {
    const errors = errorsOf({ defaults: { ttl: 'five minutes' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: '/defaults/ttl', value: 'five minutes' });
    expect(errors[0]?.message).toMatch(/must be a duration/);
  });

  it('reports an unparsable byte size', () => {
    expect(errorAt({ l1: { maxBytes: '64 megs' } }, '/l1/maxBytes').message).toMatch(
      /must be a byte size.*"64 megs"/,
    );
  });

  it('rejects strings where no unit is allowed', () => {
    expect(errorAt({ l1: { maxEntries: '100' } }, '/l1/maxEntries').message).toBe(
      'must be a whole number; got "100"',
    );
  });
});

describe('l1', () => {
  it.each(['w-tinylfu', 'lru', 'fifo', 'lfu'] as const)('accepts policy %s', (policy) => {
    expect(valid({ l1: { policy } }).l1.policy).toBe(policy);
  });

  it.each(['none', 'tinylfu'] as const)('accepts admission %s', (admission) => {
    expect(valid({ l1: { admission } }).l1.admission).toBe(admission);
  });

  it('rejects an unknown policy, listing the allowed ones', () => {
    expect(errorAt({ l1: { policy: 'mru' } }, '/l1/policy')).toEqual({
      path: '/l1/policy',
      message: 'must be one of "w-tinylfu", "lru", "fifo", "lfu"; got "mru"',
      value: 'mru',
    });
  });

  it.each(['immediate', 'frequency'] as const)('accepts promotion %s', (promotion) => {
    expect(valid({ l1: { promotion } }).l1.promotion).toBe(promotion);
  });

  it('accepts promotion after a number of hits within a window', () => {
    expect(valid({ l1: { promotion: { afterHits: 3, windowMs: '1m' } } }).l1.promotion).toEqual({
      afterHits: 3,
      windowMs: 60_000,
    });
  });

  it('rejects an unknown promotion strategy', () => {
    expect(errorAt({ l1: { promotion: 'eventually' } }, '/l1/promotion').message).toBe(
      'must be one of "immediate", "frequency"; got "eventually"',
    );
  });

  it('rejects an incomplete or wrong promotion object', () => {
    const errors = errorsOf({ l1: { promotion: { afterHits: 0, extra: true } } });
    expect(errors.map((e) => e.path).sort()).toEqual([
      '/l1/promotion/afterHits',
      '/l1/promotion/extra',
      '/l1/promotion/windowMs',
    ]);
  });

  it('rejects a promotion that is neither a string nor an object', () => {
    expect(errorAt({ l1: { promotion: 3 } }, '/l1/promotion').message).toBe(
      'must be a string or an object; got 3',
    );
  });
});

describe('l2', () => {
  it('defaults to no shared tier', () => {
    expect(valid({ l2: { kind: 'none' } }).l2).toEqual({ kind: 'none' });
  });

  it('accepts redis with its defaults filled in', () => {
    expect(valid({ l2: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }).l2).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379',
      prefix: 'cachestack',
      commandTimeoutMs: 1000,
    });
  });

  it('accepts file with its defaults filled in', () => {
    expect(
      valid({ l2: { kind: 'file', dir: '/var/cache/app', maxBytes: '2gb', fanOut: 16 } }).l2,
    ).toEqual({
      kind: 'file',
      dir: '/var/cache/app',
      maxBytes: 2 * 1024 ** 3,
      fanOut: 16,
    });
  });

  it('requires a url for redis and a dir for file', () => {
    expect(errorAt({ l2: { kind: 'redis' } }, '/l2/url').message).toBe('is required');
    expect(errorAt({ l2: { kind: 'file' } }, '/l2/dir').message).toBe('is required');
  });

  it('rejects a url that is not redis:// or rediss://', () => {
    expect(errorAt({ l2: { kind: 'redis', url: 'http://x' } }, '/l2/url').message).toBe(
      'must be a redis:// or rediss:// URL; got "http://x"',
    );
  });

  it('rejects an unknown kind once', () => {
    const errors = errorsOf({ l2: { kind: 'memcached' } });
    expect(errors).toEqual([
      {
        path: '/l2/kind',
        message: 'must be one of "none", "redis", "file"; got "memcached"',
        value: 'memcached',
      },
    ]);
  });

  it('rejects options of another kind as unknown keys', () => {
    expect(
      errorAt({ l2: { kind: 'file', dir: '/tmp', url: 'redis://x' } }, '/l2/url').message,
    ).toBe('is not a known option');
    expect(errorAt({ l2: { kind: 'none', prefix: 'x' } }, '/l2/prefix').message).toMatch(
      /not a known option/,
    );
  });
});

describe('defaults, breaker, compression, locking, coherency', () => {
  it('rejects fractions outside [0, 1), as core does', () => {
    expect(errorAt({ defaults: { eagerRefresh: 1 } }, '/defaults/eagerRefresh').message).toBe(
      'must be below 1; got 1',
    );
    expect(valid({ defaults: { eagerRefresh: 0.99, jitter: 0.5 } }).defaults).toMatchObject({
      eagerRefresh: 0.99,
      jitter: 0.5,
    });
    expect(errorAt({ defaults: { jitter: -0.1 } }, '/defaults/jitter').message).toBe(
      'must be at least 0; got -0.1',
    );
  });

  it('rejects a zero ttl and a zero failure threshold', () => {
    expect(errorAt({ defaults: { ttl: 0 } }, '/defaults/ttl').message).toBe(
      'must be at least 1; got 0',
    );
    expect(
      errorAt({ circuitBreaker: { failureThreshold: 0 } }, '/circuitBreaker/failureThreshold'),
    ).toBeDefined();
  });

  it.each(['gzip', 'deflate', 'brotli', 'zstd', 'auto', 'none'] as const)(
    'accepts compression %s',
    (algorithm) => {
      expect(valid({ compression: { algorithm } }).compression.algorithm).toBe(algorithm);
    },
  );

  it('accepts a compression level within the algorithm range', () => {
    expect(valid({ compression: { algorithm: 'zstd', level: 19 } }).compression.level).toBe(19);
  });

  it('accepts locking and coherency settings', () => {
    const config = valid({
      locking: { acquireTimeoutMs: '2s', leaseMs: '10s' },
      coherency: { enabled: true, channel: 'inv', heartbeatMs: 1000, instanceTimeoutMs: 4000 },
      circuitBreaker: { failureThreshold: 3, breakDurationMs: '10s' },
    });
    expect(config.locking).toEqual({ acquireTimeoutMs: 2000, leaseMs: 10_000 });
    expect(config.coherency).toEqual({
      enabled: true,
      channel: 'inv',
      heartbeatMs: 1000,
      instanceTimeoutMs: 4000,
    });
    expect(config.circuitBreaker).toEqual({ failureThreshold: 3, breakDurationMs: 10_000 });
  });

  it('rejects a non-boolean enabled flag and an empty channel', () => {
    expect(errorAt({ coherency: { enabled: 'yes' } }, '/coherency/enabled').message).toBe(
      'must be true or false; got "yes"',
    );
    expect(errorAt({ coherency: { channel: '' } }, '/coherency/channel').message).toBe(
      'must not be empty',
    );
  });
});

describe('rate limits', () => {
  it.each(['fixed-window', 'sliding-window', 'token-bucket', 'gcra'] as const)(
    'accepts algorithm %s',
    (algorithm) => {
      const config = valid({ rateLimits: { api: { algorithm, limit: 100, windowMs: '1m' } } });
      expect(config.rateLimits.api).toEqual({
        algorithm,
        limit: 100,
        windowMs: 60_000,
        failurePolicy: 'open',
      });
    },
  );

  it.each(['open', 'closed', 'local'] as const)('accepts failure policy %s', (failurePolicy) => {
    const config = valid({
      rateLimits: { api: { algorithm: 'gcra', limit: 1, windowMs: 1000, failurePolicy } },
    });
    expect(config.rateLimits.api?.failurePolicy).toBe(failurePolicy);
  });

  it('requires algorithm, limit and window', () => {
    const paths = errorsOf({ rateLimits: { api: {} } }).map((e) => e.path);
    expect(paths.sort()).toEqual([
      '/rateLimits/api/algorithm',
      '/rateLimits/api/limit',
      '/rateLimits/api/windowMs',
    ]);
  });

  it('rejects an invalid rule name', () => {
    expect(
      errorAt(
        { rateLimits: { 'bad name': { algorithm: 'gcra', limit: 1, windowMs: 1 } } },
        '/rateLimits/bad name',
      ).message,
    ).toMatch(/is not a valid name/);
  });
});

describe('metrics', () => {
  it('accepts health thresholds and weights', () => {
    const config = valid({
      metrics: {
        enabled: false,
        health: {
          hitRate: { warning: 0.9, critical: 0.7 },
          latencyP95TargetMs: '20ms',
          minLookups: 500,
          l2ErrorRate: { warning: 0.02, critical: 0.1 },
          weights: { hitRate: 1, latency: 0, errorRate: 2 },
        },
      },
    });
    expect(config.metrics).toEqual({
      enabled: false,
      health: {
        hitRate: { warning: 0.9, critical: 0.7 },
        latencyP95TargetMs: 20,
        minLookups: 500,
        l2ErrorRate: { warning: 0.02, critical: 0.1 },
        weights: { hitRate: 1, latency: 0, errorRate: 2 },
      },
    });
  });

  it('defaults minLookups to 100 and rejects a fraction', () => {
    expect(valid({}).metrics.health.minLookups).toBe(100);
    expect(
      errorAt({ metrics: { health: { minLookups: 2.5 } } }, '/metrics/health/minLookups'),
    ).toBeDefined();
  });

  it('rejects weights that are all zero', () => {
    expect(
      errorAt(
        { metrics: { health: { weights: { hitRate: 0, latency: 0, errorRate: 0 } } } },
        '/metrics/health/weights',
      ).message,
    ).toBe('at least one weight must be above 0');
  });
});

describe('namespaces', () => {
  it('fills every namespace in from defaults, keeping its overrides', () => {
    const config = valid({
      defaults: { ttl: '5m', grace: '1m', jitter: 0.2 },
      namespaces: {
        users: { ttl: '30s', priority: 'high', grace: '10m', hardTimeoutMs: 3000 },
        sessions: { ttl: 1000 },
      },
    });
    expect(config.namespaces.users).toEqual({
      priority: 'high',
      defaults: {
        ttl: 30_000,
        grace: 600_000,
        softTimeoutMs: 0,
        hardTimeoutMs: 3000,
        eagerRefresh: 0,
        jitter: 0.2,
      },
    });
    expect(config.namespaces.sessions).toMatchObject({
      priority: 'medium',
      defaults: { ttl: 1000, grace: 60_000 },
    });
  });

  it('accepts any number of namespaces', () => {
    const namespaces = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`ns${i}`, { ttl: i + 1 }]),
    );
    expect(Object.keys(valid({ namespaces }).namespaces)).toHaveLength(50);
  });

  it.each(['high', 'medium', 'low'] as const)('accepts priority %s', (priority) => {
    expect(valid({ namespaces: { a: { ttl: 1, priority } } }).namespaces.a?.priority).toBe(
      priority,
    );
  });

  it('requires a ttl unless auto-correcting', () => {
    expect(errorAt({ namespaces: { users: {} } }, '/namespaces/users/ttl').message).toMatch(
      /^is required/,
    );
  });

  it('rejects a namespace name that is not a valid name', () => {
    expect(errorAt({ namespaces: { 'a b': { ttl: 1 } } }, '/namespaces/a b').message).toMatch(
      /not a valid name/,
    );
    expect(
      errorAt(JSON.parse('{"namespaces":{"__proto__":{"ttl":1}}}'), '/namespaces/__proto__')
        .message,
    ).toMatch(/not a valid name/);
  });
});

describe('bad input', () => {
  it.each([null, [], 42, 'config', true])(
    'reports %j as not an object without throwing',
    (input) => {
      const result = validateConfig(input);
      expect(result.valid).toBe(false);
      expect(result.errors[0]?.message).toMatch(/must be an object/);
    },
  );

  it('reports a circular input without throwing', () => {
    const input: Record<string, unknown> = { l1: {} };
    (input.l1 as Record<string, unknown>).self = input;
    const result = validateConfig(input);
    expect(result.errors[0]?.message).toMatch(/circular reference/);
  });

  it('reports unknown keys as errors, with a hint for typos', () => {
    expect(errorAt({ l1: { maxEntires: 5 } }, '/l1/maxEntires')).toEqual({
      path: '/l1/maxEntires',
      message: 'is not a known option; did you mean "maxEntries"?',
      value: 5,
    });
    expect(errorAt({ cache: {} }, '/cache').message).toBe('is not a known option');
  });

  it('can report unknown keys as warnings and drop them', () => {
    const result = validateConfig({ l1: { maxEntires: 5 }, extra: 1 }, { unknownKeys: 'warn' });
    expect(result.valid).toBe(true);
    expect(result.warnings.map((w) => [w.path, w.rule, w.before, w.after])).toEqual([
      ['/extra', 'unknown-key', 1, undefined],
      ['/l1/maxEntires', 'unknown-key', 5, undefined],
    ]);
    expect(result.config && 'extra' in result.config).toBe(false);
    expect(result.config?.l1).not.toHaveProperty('maxEntires');
  });

  it('lists every problem, not only the first', () => {
    expect(errorsOf({ l1: { policy: 'x', maxEntries: -1 }, defaults: { jitter: 3 } })).toHaveLength(
      3,
    );
  });

  it('rejects an unknown profile', () => {
    const result = validateConfig({}, { profile: 'staging' as 'test' });
    expect(result.errors[0]?.message).toMatch(/unknown profile "staging"/);
  });
});

describe('robustness', () => {
  it.each([
    ['NaN', { defaults: { ttl: Number.NaN } }, '/defaults/ttl'],
    ['Infinity', { l1: { maxEntries: Number.POSITIVE_INFINITY } }, '/l1/maxEntries'],
    ['a bigint', { l1: { maxEntries: 10n } }, '/l1/maxEntries'],
    ['a function', { l1: { policy: () => 'lru' } }, '/l1/policy'],
    ['a symbol', { l1: { policy: Symbol('lru') } }, '/l1/policy'],
    ['a Date', { defaults: { ttl: new Date(0) } }, '/defaults/ttl'],
    ['a Map', { namespaces: new Map([['a', { ttl: 1 }]]) }, '/namespaces'],
    ['null', { l1: null }, '/l1'],
    ['an array', { l1: [1, 2] }, '/l1'],
  ])('reports %s in the wrong place without throwing', (_name, input, path) => {
    const result = validateConfig(input);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toContain(path);
    for (const error of result.errors) expect(typeof error.message).toBe('string');
  });

  it('does not pollute Object.prototype through a __proto__ key', () => {
    validateConfig(
      JSON.parse('{"__proto__": {"polluted": true}, "l1": {"__proto__": {"polluted": true}}}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
