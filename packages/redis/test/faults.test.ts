import { ClosedError, StoreError, TimeoutError } from '@cachestack/core';
import { freePort, type PrivateRedis, startPrivateRedis } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../src/index.js';

const bytes = Uint8Array.from([1, 2, 3]);

/** Polls `attempt` until it resolves, for at most `timeoutMs` (recovery is asynchronous). */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function rejection(pending: Promise<unknown>): Promise<unknown> {
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('resolved instead of rejecting');
}

describe('redis store under faults (private redis-server)', () => {
  let server: PrivateRedis;
  const open: { close(): Promise<unknown> | unknown }[] = [];

  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
    if (!server.running) await server.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** CLIENT UNPAUSE itself waits during a pause on Redis 7.0: wait for the pause to end. */
  async function waitUnpaused(): Promise<void> {
    await eventually(async () => {
      if ((await server.command('PING')) !== '+PONG') throw new Error('still paused');
    });
  }

  function store(options: { commandTimeoutMs?: number; client?: Redis } = {}): RedisStore {
    const s = redisStore({
      ...(options.client ? { client: options.client } : { url: server.url }),
      prefix: 'faults',
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
    });
    open.push(s);
    return s;
  }

  function client(): Redis {
    const c = new Redis({ port: server.port, host: '127.0.0.1' });
    c.on('error', () => {});
    open.push({ close: () => c.disconnect() });
    return c;
  }

  it('answers the first call made before its own client finished connecting', async () => {
    const s = store();
    await expect(s.set('n', 'k', bytes, { ttlMs: 10_000 })).resolves.toBe('written');
    await expect(s.has('n', 'k')).resolves.toBe(true);
  });

  it('rejects with StoreError, not at the deadline, while the server is down', async () => {
    const s = store({ commandTimeoutMs: 20_000 });
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    await server.stop();
    const error = await rejection(s.get('n', 'k'));
    expect(error).toBeInstanceOf(StoreError);
    const again = await rejection(s.getMany('n', ['k']));
    expect(again).toBeInstanceOf(StoreError);
    expect((again as StoreError).cause).toBeInstanceOf(Error);
  });

  it('rejects with StoreError when the server is down before the first connection', async () => {
    const port = await freePort();
    const s = redisStore({
      url: `redis://127.0.0.1:${port}`,
      prefix: 'faults',
      commandTimeoutMs: 20_000,
    });
    open.push(s);
    const error = await rejection(s.get('n', 'k'));
    expect(error).toBeInstanceOf(StoreError);
  });

  it('recovers by itself after the server restarts', async () => {
    const s = store();
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    await server.stop();
    expect(await rejection(s.get('n', 'k'))).toBeInstanceOf(StoreError);
    await server.start();
    await eventually(() => s.set('n', 'k', bytes, { ttlMs: 10_000 }));
    await expect(s.has('n', 'k')).resolves.toBe(true);
  });

  it('recovers by itself after CLIENT KILL drops its connection', async () => {
    const s = store();
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    await server.killClients();
    const value = await eventually(() => s.get('n', 'k'));
    expect(Buffer.from(value!).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects with TimeoutError at the deadline while the server is paused (own client)', async () => {
    const s = store({ commandTimeoutMs: 200 });
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    await server.pause(1500);
    try {
      const started = Date.now();
      const error = await rejection(s.get('n', 'k'));
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).timeoutMs).toBe(200);
      // Rejected by the deadline, long before the pause ends.
      expect(elapsed).toBeLessThan(1400);
    } finally {
      await waitUnpaused();
    }
  });

  it('rejects with TimeoutError at the deadline on a caller client that queues commands', async () => {
    const c = client();
    await c.ping();
    const s = store({ client: c, commandTimeoutMs: 200 });
    await server.pause(1500);
    try {
      const started = Date.now();
      const error = await rejection(s.set('n', 'k', bytes, { ttlMs: 10_000 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(1400);
    } finally {
      await waitUnpaused();
    }
  });

  it('does not close a caller-supplied client', async () => {
    const c = client();
    const s = store({ client: c });
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    await s.close();
    await s.close();
    expect(c.status).toBe('ready');
    await expect(c.ping()).resolves.toBe('PONG');
    expect(await rejection(s.get('n', 'k'))).toBeInstanceOf(ClosedError);
  });

  it('quits the client it created on close', async () => {
    const s = store();
    await s.set('n', 'k', bytes, { ttlMs: 10_000 });
    const c = client();
    const listed = async () =>
      String(await c.client('LIST'))
        .split('\n')
        .filter(Boolean).length;
    const withStore = await listed();
    await s.close();
    await eventually(async () => {
      if ((await listed()) !== withStore - 1) throw new Error('store connection still open');
    });
  });
});
