/**
 * Vitest global setup: makes sure a Redis answers for the Redis-backed tests.
 *
 * Uses REDIS_URL (default redis://127.0.0.1:6379) when it answers PING; otherwise
 * starts a throwaway `redis-server` from PATH on a free port and points REDIS_URL at
 * it for every test worker. Fails with a clear message when neither is possible.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

function ping(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let child: ChildProcess | undefined;

export default async function setup(): Promise<() => Promise<void>> {
  const url = process.env.REDIS_URL ?? DEFAULT_URL;
  if (await ping(url)) {
    process.env.REDIS_URL = url;
    return async () => {};
  }
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      `No Redis answers at ${url} and no redis-server is on PATH. Start Redis and set REDIS_URL, or install redis-server (apt-get install redis-server).`,
    );
  }
  const port = await freePort();
  child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await ping(started, 200)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await ping(started))) throw new Error(`redis-server did not start on port ${port}`);
  process.env.REDIS_URL = started;
  console.log(`[cachestack] started a throwaway redis-server at ${started}`);
  return async () => {
    child?.kill('SIGTERM');
  };
}
