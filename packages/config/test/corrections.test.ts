import { describe, expect, it } from 'vitest';
import { CORRECTIONS, type ConfigWarning, validateConfig } from '../src/index.js';

function corrected(input: unknown): {
  config: NonNullable<ReturnType<typeof validateConfig>['config']>;
  warnings: readonly ConfigWarning[];
} {
  const result = validateConfig(input, { autoCorrect: true });
  if (!result.valid) throw new Error(`expected valid, got ${JSON.stringify(result.errors)}`);
  return { config: result.config, warnings: result.warnings };
}

describe('corrections', () => {
  it('documents a unique id for every correction', () => {
    const ids = CORRECTIONS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      'clamp-range',
      'round-integer',
      'namespace-ttl',
      'threshold-order',
      'soft-timeout-order',
      'heartbeat-order',
      'compression-level',
    ]);
  });

  it('makes no correction and reports nothing for a valid configuration', () => {
    expect(corrected({ namespaces: { a: { ttl: 1 } } }).warnings).toEqual([]);
  });

  describe('clamp-range', () => {
    it('clamps values above the maximum and reports before and after', () => {
      const { config, warnings } = corrected({
        defaults: { jitter: 1.5, eagerRefresh: 1 },
        metrics: { health: { hitRate: { warning: 2, critical: 0.5 } } },
      });
      expect(config.defaults.jitter).toBe(0.99);
      expect(config.defaults.eagerRefresh).toBe(0.99);
      expect(config.metrics.health.hitRate.warning).toBe(1);
      expect(warnings).toContainEqual({
        path: '/defaults/jitter',
        message: '1.5 is out of range; set to the maximum 0.99',
        before: 1.5,
        after: 0.99,
        rule: 'clamp-range',
      });
      expect(warnings).toContainEqual({
        path: '/metrics/health/hitRate/warning',
        message: '2 is out of range; set to the maximum 1',
        before: 2,
        after: 1,
        rule: 'clamp-range',
      });
    });

    it('clamps values below the minimum, including durations given as numbers', () => {
      const { config, warnings } = corrected({ l1: { maxEntries: -5 }, defaults: { ttl: 0 } });
      expect(config.l1.maxEntries).toBe(1);
      expect(config.defaults.ttl).toBe(1);
      expect(warnings.map((w) => [w.path, w.before, w.after])).toEqual([
        ['/l1/maxEntries', -5, 1],
        ['/defaults/ttl', 0, 1],
      ]);
    });

    it('is an error without autoCorrect', () => {
      const result = validateConfig({ defaults: { jitter: 1.5 } });
      expect(result.valid).toBe(false);
      expect(result.warnings).toEqual([]);
    });
  });

  describe('round-integer', () => {
    it('rounds a fractional whole-number option', () => {
      const { config, warnings } = corrected({ l1: { maxEntries: 99.6 } });
      expect(config.l1.maxEntries).toBe(100);
      expect(warnings).toEqual([
        {
          path: '/l1/maxEntries',
          message: '99.6 is not a whole number; rounded to 100',
          before: 99.6,
          after: 100,
          rule: 'round-integer',
        },
      ]);
    });

    it('rounds then clamps when rounding leaves the value out of range', () => {
      const { config, warnings } = corrected({ l1: { maxEntries: 0.2 } });
      expect(config.l1.maxEntries).toBe(1);
      expect(warnings.map((w) => w.rule)).toEqual(['round-integer', 'clamp-range']);
    });
  });

  describe('namespace-ttl', () => {
    it('fills a missing namespace ttl from defaults.ttl', () => {
      const { config, warnings } = corrected({
        defaults: { ttl: '2m' },
        namespaces: { users: { priority: 'high' } },
      });
      expect(config.namespaces.users?.defaults.ttl).toBe(120_000);
      expect(warnings).toEqual([
        {
          path: '/namespaces/users/ttl',
          message: 'namespace has no ttl; set to defaults.ttl (120000 ms)',
          before: undefined,
          after: 120_000,
          rule: 'namespace-ttl',
        },
      ]);
    });

    it('is an error without autoCorrect', () => {
      expect(validateConfig({ namespaces: { users: {} } }).errors.map((e) => e.path)).toEqual([
        '/namespaces/users/ttl',
      ]);
    });
  });

  describe('threshold-order', () => {
    it('swaps hit-rate thresholds when warning is below critical', () => {
      const { config, warnings } = corrected({
        metrics: { health: { hitRate: { warning: 0.3, critical: 0.6 } } },
      });
      expect(config.metrics.health.hitRate).toEqual({ warning: 0.6, critical: 0.3 });
      expect(warnings).toEqual([
        {
          path: '/metrics/health/hitRate',
          message: 'warning (0.3) must be at least critical (0.6); swapped',
          before: { warning: 0.3, critical: 0.6 },
          after: { warning: 0.6, critical: 0.3 },
          rule: 'threshold-order',
        },
      ]);
    });

    it('swaps error-rate thresholds when warning is above critical', () => {
      const { config, warnings } = corrected({
        metrics: { health: { l2ErrorRate: { warning: 0.2, critical: 0.1 } } },
      });
      expect(config.metrics.health.l2ErrorRate).toEqual({ warning: 0.1, critical: 0.2 });
      expect(warnings[0]?.rule).toBe('threshold-order');
    });

    it('is an error without autoCorrect, naming both values', () => {
      const result = validateConfig({ metrics: { health: { hitRate: { warning: 0.3 } } } });
      expect(result.errors).toEqual([
        {
          path: '/metrics/health/hitRate',
          message: 'warning (0.3) must be at least critical (0.5)',
          value: { warning: 0.3, critical: 0.5 },
        },
      ]);
    });
  });

  describe('soft-timeout-order', () => {
    it('sets the default soft timeout to half the hard timeout when it is not below it', () => {
      const { config, warnings } = corrected({
        defaults: { softTimeoutMs: '10s', hardTimeoutMs: '4s' },
      });
      expect(config.defaults.softTimeoutMs).toBe(2000);
      expect(warnings).toEqual([
        {
          path: '/defaults/softTimeoutMs',
          message: 'softTimeoutMs (10000 ms) must be below hardTimeoutMs (4000 ms); set to 2000 ms',
          before: 10_000,
          after: 2000,
          rule: 'soft-timeout-order',
        },
      ]);
    });

    it('checks a namespace against the timeout it inherits', () => {
      const { config, warnings } = corrected({
        defaults: { softTimeoutMs: 1000 },
        namespaces: { fast: { ttl: 1000, hardTimeoutMs: 600 } },
      });
      expect(config.namespaces.fast?.defaults).toMatchObject({
        softTimeoutMs: 300,
        hardTimeoutMs: 600,
      });
      expect(warnings[0]?.message).toMatch(/inherited from defaults/);
      expect(config.defaults.softTimeoutMs).toBe(1000);
    });

    it('leaves a soft timeout alone when the hard timeout is disabled (0)', () => {
      const { config, warnings } = corrected({
        defaults: { softTimeoutMs: 1000, hardTimeoutMs: 0 },
      });
      expect(config.defaults).toMatchObject({ softTimeoutMs: 1000, hardTimeoutMs: 0 });
      expect(warnings).toEqual([]);
    });

    it('is an error without autoCorrect', () => {
      const result = validateConfig({ defaults: { softTimeoutMs: 5000, hardTimeoutMs: 5000 } });
      expect(result.errors.map((e) => e.path)).toEqual(['/defaults/softTimeoutMs']);
    });
  });

  describe('heartbeat-order', () => {
    it('raises the instance timeout to three heartbeats', () => {
      const { config, warnings } = corrected({
        coherency: { heartbeatMs: '10s', instanceTimeoutMs: '5s' },
      });
      expect(config.coherency.instanceTimeoutMs).toBe(30_000);
      expect(warnings.map((w) => [w.rule, w.before, w.after])).toEqual([
        ['heartbeat-order', 5000, 30_000],
      ]);
    });

    it('is an error without autoCorrect', () => {
      expect(
        validateConfig({ coherency: { heartbeatMs: 5000, instanceTimeoutMs: 5000 } }).valid,
      ).toBe(false);
    });
  });

  describe('compression-level', () => {
    it.each([
      ['gzip', 12, 9],
      ['deflate', 10, 9],
      ['brotli', 20, 11],
      ['zstd', 0, 1],
    ] as const)('clamps %s level %i to %i', (algorithm, level, after) => {
      const { config, warnings } = corrected({ compression: { algorithm, level } });
      expect(config.compression.level).toBe(after);
      expect(warnings.map((w) => [w.path, w.before, w.after, w.rule])).toEqual([
        ['/compression/level', level, after, 'compression-level'],
      ]);
    });

    it('is an error without autoCorrect', () => {
      expect(
        validateConfig({ compression: { algorithm: 'gzip', level: 12 } }).errors[0]?.message,
      ).toBe("level 12 is outside gzip's range 0-9");
    });
  });

  it('reports every correction applied to one configuration', () => {
    const { warnings } = corrected({
      defaults: { jitter: 9, softTimeoutMs: 9000, hardTimeoutMs: 5000 },
      namespaces: { a: {} },
      metrics: { health: { hitRate: { warning: 0.1 } } },
      coherency: { instanceTimeoutMs: 1 },
      compression: { algorithm: 'brotli', level: 15 },
      l1: { maxEntries: 1.5 },
    });
    expect(new Set(warnings.map((w) => w.rule))).toEqual(new Set(CORRECTIONS.map((c) => c.id)));
  });

  it('still rejects what no correction can fix', () => {
    const result = validateConfig(
      { l1: { policy: 'random', maxEntries: 0 } },
      { autoCorrect: true },
    );
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toEqual(['/l1/policy']);
    expect(result.warnings.map((w) => w.path)).toEqual(['/l1/maxEntries']);
  });
});
