import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCacheStackError } from '@cachestack/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  ConfigValidationError,
  envName,
  loadConfig,
  PROFILES,
} from '../src/index.js';

let dir: string;
let counter = 0;

function file(content: unknown): string {
  const path = join(dir, `config-${++counter}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function loadError(run: () => unknown): ConfigValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachestack-config-load-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('profiles', () => {
  it('applies the profile named explicitly', () => {
    const { config, profile } = loadConfig({ profile: 'test', env: {} });
    expect(profile).toBe('test');
    expect(config.defaults.ttl).toBe(10_000);
    expect(config.l1.maxBytes).toBe(8 * 1024 * 1024);
    expect(config.metrics.enabled).toBe(false);
  });

  it('follows NODE_ENV when no profile is given', () => {
    expect(loadConfig({ env: { NODE_ENV: 'production' } }).config.l1.admission).toBe('tinylfu');
    expect(loadConfig({ env: { NODE_ENV: 'test' } }).profile).toBe('test');
  });

  it('uses development when NODE_ENV is unset', () => {
    const { config, profile } = loadConfig({ env: {} });
    expect(profile).toBe('development');
    expect(config.defaults.ttl).toBe(60_000);
  });

  it('uses no profile, with a warning, when NODE_ENV names none', () => {
    const { config, profile, warnings } = loadConfig({ env: { NODE_ENV: 'staging' } });
    expect(profile).toBe('none');
    expect(config.defaults.ttl).toBe(300_000);
    expect(warnings).toEqual([
      {
        path: '',
        message: 'NODE_ENV=staging names no profile; using the schema defaults only',
        before: 'staging',
        after: 'none',
        rule: 'profile',
      },
    ]);
  });

  it('prefers the explicit profile over NODE_ENV, and can opt out', () => {
    expect(loadConfig({ profile: 'test', env: { NODE_ENV: 'production' } }).profile).toBe('test');
    expect(
      loadConfig({ profile: 'none', env: { NODE_ENV: 'production' } }).config.l1.admission,
    ).toBe('none');
  });

  it('rejects an unknown explicit profile', () => {
    expect(
      loadError(() => loadConfig({ profile: 'qa' as 'test', env: {} })).errors[0]?.message,
    ).toMatch(/unknown profile "qa"/);
  });

  it('ships profiles that are valid on their own', () => {
    for (const name of Object.keys(PROFILES)) {
      expect(() => loadConfig({ profile: name as 'test', env: {} })).not.toThrow();
    }
  });
});

describe('precedence: defaults < profile < file < env < overrides', () => {
  it('lets each layer win over the ones below it, per key', () => {
    const path = file({ defaults: { ttl: '2m', grace: '30s' }, l1: { policy: 'lfu' } });
    const base = { file: path, profile: 'test' as const };

    // defaults < profile: the test profile sets jitter 0 over the schema's 0.1
    const fromFile = loadConfig({ ...base, env: {} }).config;
    expect(fromFile.defaults.jitter).toBe(0);
    // profile < file: the file's ttl beats the profile's 10s; the schema default stays for failureThreshold
    expect(fromFile.defaults.ttl).toBe(120_000);
    expect(fromFile.circuitBreaker.failureThreshold).toBe(5);
    // the profile still applies where the file is silent
    expect(fromFile.l1.maxBytes).toBe(8 * 1024 * 1024);

    // file < env
    const env = { CACHESTACK__DEFAULTS__TTL: '3m', CACHESTACK__L1__MAX_BYTES: '64mb' };
    const fromEnv = loadConfig({ ...base, env }).config;
    expect(fromEnv.defaults.ttl).toBe(180_000);
    expect(fromEnv.defaults.grace).toBe(30_000);
    expect(fromEnv.l1.maxBytes).toBe(64 * 1024 * 1024);
    expect(fromEnv.l1.policy).toBe('lfu');

    // env < overrides
    const fromOverrides = loadConfig({
      ...base,
      env,
      overrides: { defaults: { ttl: '4m' } },
    }).config;
    expect(fromOverrides.defaults.ttl).toBe(240_000);
    expect(fromOverrides.l1.maxBytes).toBe(64 * 1024 * 1024);
  });

  it('replaces a lower L2 of another kind instead of merging its options', () => {
    const path = file({ l2: { kind: 'redis', url: 'redis://cache:6379', prefix: 'app' } });
    const { config } = loadConfig({
      file: path,
      env: { CACHESTACK__L2__KIND: 'file', CACHESTACK__L2__DIR: '/var/cache/app' },
    });
    expect(config.l2).toEqual({
      kind: 'file',
      dir: '/var/cache/app',
      maxBytes: 1024 ** 3,
      fanOut: 256,
    });
  });

  it('merges an env option into the L2 of the file', () => {
    const path = file({ l2: { kind: 'redis', url: 'redis://cache:6379' } });
    const { config } = loadConfig({
      file: path,
      env: { CACHESTACK__L2__COMMAND_TIMEOUT_MS: '250ms' },
    });
    expect(config.l2).toMatchObject({
      kind: 'redis',
      url: 'redis://cache:6379',
      commandTimeoutMs: 250,
    });
  });
});

describe('files', () => {
  it('loads a JSON file with strings for sizes and durations', () => {
    const path = file({
      l1: { maxBytes: '32mb' },
      namespaces: { users: { ttl: '30s', priority: 'high' } },
    });
    const { config, warnings } = loadConfig({ file: path, env: {}, profile: 'none' });
    expect(config.l1.maxBytes).toBe(32 * 1024 * 1024);
    expect(config.namespaces.users).toMatchObject({ priority: 'high', defaults: { ttl: 30_000 } });
    expect(warnings).toEqual([]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    const path = file(`\uFEFF${JSON.stringify({ l1: { policy: 'fifo' } })}`);
    expect(loadConfig({ file: path, env: {} }).config.l1.policy).toBe('fifo');
  });

  it('reports malformed JSON with its file and position', () => {
    const path = file('{\n  "l1": { "policy": "lru", }\n}');
    const error = loadError(() => loadConfig({ file: path, env: {} }));
    expect(error.code).toBe('CACHESTACK_CONFIG_INVALID');
    expect(isCacheStackError(error, 'CACHESTACK_CONFIG_INVALID')).toBe(true);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]?.message).toContain(`${path} is not valid JSON at line 2`);
  });

  it('reports a file holding something other than an object', () => {
    const error = loadError(() => loadConfig({ file: file('[1, 2]'), env: {} }));
    expect(error.errors[0]?.message).toMatch(/must be an object; got an array/);
  });

  it('throws ConfigFileError for a missing file', () => {
    const missing = join(dir, 'missing.json');
    expect(() => loadConfig({ file: missing, env: {} })).toThrow(ConfigFileError);
    try {
      loadConfig({ file: missing, env: {} });
    } catch (error) {
      expect((error as ConfigFileError).code).toBe('CACHESTACK_CONFIG_FILE');
      expect((error as ConfigFileError).cause).toMatchObject({ code: 'ENOENT' });
    }
  });

  it('lists every problem in the thrown error, in plain words', () => {
    const path = file({ l1: { policy: 'mru', maxBytez: 1 }, defaults: { ttl: 'soon' } });
    const error = loadError(() => loadConfig({ file: path, env: {} }));
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      '/defaults/ttl',
      '/l1/maxBytez',
      '/l1/policy',
    ]);
    expect(error.message).toContain('3 problems');
    expect(error.message).toContain(
      '/l1/policy: must be one of "w-tinylfu", "lru", "fifo", "lfu"; got "mru"',
    );
  });

  it('returns the corrections as warnings with autoCorrect', () => {
    const path = file({ namespaces: { users: {} } });
    const { config, warnings } = loadConfig({
      file: path,
      env: {},
      autoCorrect: true,
      profile: 'none',
    });
    expect(config.namespaces.users?.defaults.ttl).toBe(300_000);
    expect(warnings.map((w) => w.rule)).toEqual(['namespace-ttl']);
  });
});

describe('environment variables', () => {
  const load = (env: Record<string, string>, file?: string) =>
    loadConfig({ env, profile: 'none', ...(file ? { file } : {}) });

  it('names variables from option paths', () => {
    expect(envName(['l1', 'maxBytes'])).toBe('CACHESTACK__L1__MAX_BYTES');
    expect(envName(['metrics', 'health', 'latencyP95TargetMs'])).toBe(
      'CACHESTACK__METRICS__HEALTH__LATENCY_P95_TARGET_MS',
    );
  });

  it('coerces numbers, booleans, sizes, durations and enums', () => {
    const { config } = load({
      CACHESTACK__L1__MAX_ENTRIES: '5000',
      CACHESTACK__L1__MAX_BYTES: '64mb',
      CACHESTACK__L1__POLICY: 'lfu',
      CACHESTACK__DEFAULTS__TTL: '5m',
      CACHESTACK__DEFAULTS__JITTER: '0.25',
      CACHESTACK__COHERENCY__ENABLED: 'true',
      CACHESTACK__METRICS__ENABLED: 'off',
      CACHESTACK__METRICS__HEALTH__L2_ERROR_RATE__CRITICAL: '0.2',
    });
    expect(config.l1).toMatchObject({
      maxEntries: 5000,
      maxBytes: 64 * 1024 * 1024,
      policy: 'lfu',
    });
    expect(config.defaults).toMatchObject({ ttl: 300_000, jitter: 0.25 });
    expect(config.coherency.enabled).toBe(true);
    expect(config.metrics.enabled).toBe(false);
    expect(config.metrics.health.l2ErrorRate.critical).toBe(0.2);
  });

  it('accepts JSON for object options', () => {
    const { config } = load({ CACHESTACK__L1__PROMOTION: '{"afterHits":2,"windowMs":"1m"}' });
    expect(config.l1.promotion).toEqual({ afterHits: 2, windowMs: 60_000 });
    expect(load({ CACHESTACK__L1__PROMOTION: 'frequency' }).config.l1.promotion).toBe('frequency');
  });

  it('sets namespace and rate-limit options, matching existing names', () => {
    const path = file({ namespaces: { userProfiles: { ttl: '1m' } } });
    const { config } = load(
      {
        CACHESTACK__NAMESPACES__USER_PROFILES__TTL: '2m',
        CACHESTACK__NAMESPACES__ORDERS__TTL: '10s',
        CACHESTACK__RATE_LIMITS__API__ALGORITHM: 'token-bucket',
        CACHESTACK__RATE_LIMITS__API__LIMIT: '50',
        CACHESTACK__RATE_LIMITS__API__WINDOW_MS: '1s',
      },
      path,
    );
    expect(config.namespaces.userProfiles?.defaults.ttl).toBe(120_000);
    expect(config.namespaces.orders?.defaults.ttl).toBe(10_000);
    expect(config.rateLimits.api).toEqual({
      algorithm: 'token-bucket',
      limit: 50,
      windowMs: 1000,
      failurePolicy: 'open',
    });
  });

  it('reports values that do not coerce, naming the variable', () => {
    const error = loadError(() =>
      load({
        CACHESTACK__L1__MAX_ENTRIES: 'lots',
        CACHESTACK__L1__MAX_BYTES: '64 megs',
        CACHESTACK__DEFAULTS__TTL: '-5m',
        CACHESTACK__COHERENCY__ENABLED: 'maybe',
        CACHESTACK__L1__PROMOTION: '{broken',
      }),
    );
    const byPath = Object.fromEntries(error.errors.map((e) => [e.path, e]));
    expect(Object.keys(byPath).sort()).toEqual([
      '/coherency/enabled',
      '/defaults/ttl',
      '/l1/maxBytes',
      '/l1/maxEntries',
      '/l1/promotion',
    ]);
    expect(byPath['/l1/maxEntries']).toEqual({
      path: '/l1/maxEntries',
      message:
        'environment variable CACHESTACK__L1__MAX_ENTRIES must be a whole number; got "lots"',
      value: 'lots',
    });
    expect(byPath['/l1/maxBytes']?.message).toMatch(
      /^environment variable CACHESTACK__L1__MAX_BYTES must be a byte size/,
    );
    expect(byPath['/coherency/enabled']?.message).toMatch(/must be true or false/);
    expect(byPath['/l1/promotion']?.message).toMatch(/must be a JSON object/);
  });

  it('validates coerced values like any other', () => {
    const error = loadError(() =>
      load({ CACHESTACK__DEFAULTS__JITTER: '3', CACHESTACK__L1__POLICY: 'mru' }),
    );
    expect(error.errors.map((e) => e.path).sort()).toEqual(['/defaults/jitter', '/l1/policy']);
  });

  it('reports variables that name no option, with a hint', () => {
    const error = loadError(() => load({ CACHESTACK__L1__MAX_BYTEZ: '1mb' }));
    expect(error.errors).toEqual([
      {
        path: '/l1/MAX_BYTEZ',
        message:
          'environment variable CACHESTACK__L1__MAX_BYTEZ does not name an option; did you mean MAX_BYTES?',
        value: '1mb',
      },
    ]);
    const lenient = loadConfig({
      env: { CACHESTACK__NOPE: '1' },
      unknownKeys: 'warn',
      profile: 'none',
    });
    expect(lenient.warnings.map((w) => [w.rule, w.path])).toEqual([['unknown-key', '/NOPE']]);
  });

  it('ignores empty variables and variables without the prefix', () => {
    const { config } = load({
      CACHESTACK__L1__MAX_ENTRIES: '',
      CACHESTACK_L1_MAX_ENTRIES: '7',
      OTHER: 'x',
    });
    expect(config.l1.maxEntries).toBe(10_000);
  });

  it('reads process.env by default', () => {
    process.env.CACHESTACK__LOCKING__LEASE_MS = '42s';
    try {
      expect(loadConfig({ profile: 'none' }).config.locking.leaseMs).toBe(42_000);
    } finally {
      delete process.env.CACHESTACK__LOCKING__LEASE_MS;
    }
  });

  it('reads no environment with env: false', () => {
    process.env.CACHESTACK__LOCKING__LEASE_MS = '42s';
    try {
      expect(loadConfig({ env: false, profile: 'none' }).config.locking.leaseMs).toBe(30_000);
    } finally {
      delete process.env.CACHESTACK__LOCKING__LEASE_MS;
    }
  });
});
