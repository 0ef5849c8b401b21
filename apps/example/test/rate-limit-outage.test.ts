import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiRateLimit } from '../src/api/rate-limit.js';
import { BASE_CONFIG, resolveAppConfig } from '../src/cache/app-config.js';
import { logRecorder } from './log-recorder.js';

// A private Redis (ports 7501-7599 are ours), started only after the limiter saw it down.
const PORT = 7500 + 1 + (process.pid % 99);

async function startRedis(): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(PORT), '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  return server;
}

describe('the API rate limiter during a Redis outage', () => {
  let redis: ChildProcess | undefined;
  afterAll(() => {
    redis?.kill('SIGTERM');
  });

  it('logs one warning when it degrades and one when it recovers, nothing in between', async () => {
    const resolved = resolveAppConfig(
      {
        ...BASE_CONFIG,
        rateLimits: { api: { algorithm: 'sliding-window', limit: 100, windowMs: '1m' } },
      },
      { kind: 'none' },
    );
    if (!resolved.valid) throw new Error('invalid test configuration');
    const { lines, logger } = logRecorder();
    const rate = createApiRateLimit(resolved.config, {
      redisUrl: `redis://127.0.0.1:${PORT}`,
      prefix: `rl-outage-${process.pid}`,
      logger,
    });
    try {
      for (let i = 0; i < 20; i++) {
        // failurePolicy 'open' by default: requests are admitted while Redis is down.
        expect((await rate.limiter!.check('10.0.0.1')).allowed).toBe(true);
      }
      expect(lines.map((l) => `${l.level} ${String(l.obj.outage)}`)).toEqual(['warn started']);
      expect(lines[0]!.msg).toMatch(/rate limiter degraded/);
      redis = await startRedis();
      const deadline = Date.now() + 15_000;
      while (!lines.some((l) => l.obj.outage === 'ended') && Date.now() < deadline) {
        await rate.limiter!.check('10.0.0.1');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(lines.map((l) => `${l.level} ${String(l.obj.outage)}`)).toEqual([
        'warn started',
        'warn ended',
      ]);
      expect(lines[1]!.msg).toMatch(/rate limiter recovered/);
      expect(lines[1]!.obj.fallbacks).toBeGreaterThanOrEqual(20);
    } finally {
      await rate.close();
    }
  }, 30_000);
});
