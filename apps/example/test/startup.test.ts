import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EnvConfigError, rateLimitFromEnv } from '../src/cache/env-rate-limit.js';
import { assertPortFree, PortUnavailableError } from '../src/http/port-check.js';

describe('RATE_LIMIT and RATE_LIMIT_WINDOW', () => {
  it('leave the base rule alone when unset', () => {
    expect(rateLimitFromEnv({})).toBeUndefined();
  });

  it('set the api rule, each falling back to the base one', () => {
    expect(rateLimitFromEnv({ RATE_LIMIT: '100000', RATE_LIMIT_WINDOW: '10s' })).toEqual({
      api: { algorithm: 'sliding-window', limit: 100_000, windowMs: 10_000 },
    });
    expect(rateLimitFromEnv({ RATE_LIMIT_WINDOW: '60000' })?.api).toMatchObject({
      limit: 600,
      windowMs: 60_000,
    });
    expect(rateLimitFromEnv({ RATE_LIMIT: '5' })?.api).toMatchObject({ limit: 5, windowMs: '1m' });
  });

  it.each([
    ['RATE_LIMIT', { RATE_LIMIT: '0' }],
    ['RATE_LIMIT', { RATE_LIMIT: '2.5' }],
    ['RATE_LIMIT', { RATE_LIMIT: 'lots' }],
    ['RATE_LIMIT_WINDOW', { RATE_LIMIT_WINDOW: 'soon' }],
    ['RATE_LIMIT_WINDOW', { RATE_LIMIT_WINDOW: '0' }],
  ])('refuse a bad %s with a message naming it', (variable, env) => {
    expect.assertions(2);
    try {
      rateLimitFromEnv(env);
    } catch (error) {
      expect(error).toBeInstanceOf(EnvConfigError);
      expect((error as EnvConfigError).message).toMatch(new RegExp(`^${variable}: `));
    }
  });
});

describe('the port check before seeding', () => {
  it('passes on a free port and names a taken one', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await assertPortFree(port, '127.0.0.1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortUnavailableError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect((error as Error).message).toContain('already in use');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    await expect(assertPortFree(port, '127.0.0.1')).resolves.toBeUndefined();
  });
});
