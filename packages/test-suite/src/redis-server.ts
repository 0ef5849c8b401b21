import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
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

/**
 * Sends one inline command to a Redis at host:port over a raw socket and resolves the
 * first reply line (no client library involved, so it works while clients are broken).
 */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    socket.setTimeout(timeoutMs, () => finish(() => reject(new Error(`timeout: ${command}`))));
    socket.once('error', (error) => finish(() => reject(error)));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => finish(() => resolve(data.toString().split('\r\n')[0] ?? '')));
  });
}

/** A private `redis-server` process a test can stop, restart, pause and kill clients of. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops the process (SIGKILL by default: the connection drops like on a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (empty: nothing persists). */
  start(): Promise<void>;
  /** `CLIENT PAUSE ms ALL`: every client's commands hang for `ms`. */
  pause(ms: number): Promise<void>;
  /** `CLIENT KILL TYPE normal`/`pubsub`: drops client connections. */
  killClients(type?: 'normal' | 'pubsub'): Promise<void>;
  /** Sends a raw command and returns the first reply line. */
  command(command: string): Promise<string>;
}

/** Options of {@link startPrivateRedis}. */
export interface PrivateRedisOptions {
  /** Fixed port; a free one by default. */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
  /** Working directory for the server (cluster config files). */
  readonly dir?: string;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/**
 * Starts a throwaway `redis-server` from PATH on a free port, with persistence off.
 * Fault-injection tests use it instead of the shared Redis, so that stopping or pausing
 * it affects nobody else.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  const alive = async () => {
    try {
      return (await rawCommand(port, 'PING', 200)) === '+PONG';
    } catch {
      return false;
    }
  };
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...(options.args ?? []),
      ],
      { stdio: 'ignore', cwd: options.dir },
    );
    proc.once('error', () => {});
    child = proc;
    if (!(await waitUntil(alive, 5000))) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port} (is redis-server on PATH?)`);
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    stop,
    start,
    async pause(ms: number) {
      const reply = await rawCommand(port, `CLIENT PAUSE ${Math.round(ms)} ALL`);
      if (reply !== '+OK') throw new Error(`CLIENT PAUSE failed: ${reply}`);
    },
    async killClients(type: 'normal' | 'pubsub' = 'normal') {
      await rawCommand(port, `CLIENT KILL TYPE ${type}`);
    },
    command: (command: string) => rawCommand(port, command),
  };
}

/** The shared Redis URL for tests: `REDIS_URL` or redis://127.0.0.1:6379. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix unique to one test file run, so parallel test files never collide. */
export function uniquePrefix(name: string): string {
  return `cstest-${name}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
