import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const prefix = uniquePrefix('ratelimit-proc');

afterAll(async () => {
  const redis = new Redis(redisUrl());
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function run(args: string[]): Promise<{ admitted: number; fromStore: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += String(d);
    });
    proc.stderr.on('data', (d) => {
      err += String(d);
    });
    proc.once('error', reject);
    proc.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim()) as { admitted: number; fromStore: number });
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

describe('four processes sharing one limit', () => {
  it('the built package exists (run pnpm build first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  // Hour-long windows: no window edge (and no meaningful refill) falls inside the run.
  it.each(['fixed-window', 'sliding-window-log', 'sliding-window-counter', 'token-bucket', 'gcra'])(
    'admit exactly limit per window together with %s',
    async (algorithm) => {
      const p = `${prefix}-${algorithm}`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => run([redisUrl(), p, algorithm, '150', '3600000', '100'])),
      );
      expect(results.every((r) => r.fromStore === 100)).toBe(true);
      expect(results.reduce((s, r) => s + r.admitted, 0)).toBe(150);
    },
    30_000,
  );
});
