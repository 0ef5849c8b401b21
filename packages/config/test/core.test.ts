import { createCache } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, PROFILES, type ProfileName } from '../src/index.js';

describe('configurations that core accepts', () => {
  it.each([...(Object.keys(PROFILES) as ProfileName[]), 'none' as const])(
    'builds a cache from the %s profile with its namespaces',
    async (profile) => {
      const { config } = loadConfig({
        env: false,
        profile,
        overrides: {
          l1: { promotion: { afterHits: 2, windowMs: '1m' } },
          namespaces: { users: { ttl: '1m', priority: 'high', hardTimeoutMs: '10s' } },
        },
      });
      const cache = createCache({ namespace: 'app', l1: config.l1, defaults: config.defaults });
      try {
        const child = cache.namespace('users', config.namespaces.users);
        await child.set('k', 1);
        expect(await child.get('k')).toBe(1);
      } finally {
        await cache.close();
      }
    },
  );

  it('builds a cache from the largest values the schema allows for fractions', async () => {
    const { config } = loadConfig({
      env: false,
      profile: 'none',
      autoCorrect: true,
      overrides: {
        defaults: { jitter: 5, eagerRefresh: 1, softTimeoutMs: '9s', hardTimeoutMs: '2s' },
      },
    });
    const cache = createCache({ defaults: config.defaults });
    await cache.close();
    expect(config.defaults).toMatchObject({
      jitter: 0.99,
      eagerRefresh: 0.99,
      softTimeoutMs: 1000,
    });
  });
});
