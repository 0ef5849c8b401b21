import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/express-server.mjs', import.meta.url));
const prefix = uniquePrefix('ratelimit-http-proc');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) child.stdin?.end();
  await Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
    ),
  );
  const redis = new Redis(redisUrl());
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function startServer(limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, redisUrl(), prefix, String(limit)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.stdout.once('data', (d) => resolve(`http://127.0.0.1:${String(d).trim()}`));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

describe('two server processes sharing one Redis-backed limiter', () => {
  it('admit exactly the limit between them', async () => {
    const limit = 25;
    const [a, b] = await Promise.all([startServer(limit), startServer(limit)]);
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) => fetch(i % 2 === 0 ? a! : b!)),
    );
    // Separate limits per process would admit up to twice the limit.
    expect(responses.filter((r) => r.status === 200)).toHaveLength(limit);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(80 - limit);
  });
});
