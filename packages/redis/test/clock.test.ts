import { createServer, type Server, type Socket } from 'node:net';
import { TimeoutError } from '@cachestack/core';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { fakeClock } from '@cachestack/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from '../src/index.js';
import { deletePrefix } from './helpers.js';

const prefix = uniquePrefix('redis-clock');
const bytes = Uint8Array.from([1, 2, 3]);
let raw: Redis;

beforeAll(() => {
  raw = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deletePrefix(redisUrl(), prefix);
  raw.disconnect();
});

/** A TCP server on loopback that accepts connections and never answers: a hung Redis. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('redisStore clock', () => {
  it('ages fences on the injected clock: a fence too old for its marks is fenced, unsent', async () => {
    const clock = fakeClock();
    const store = redisStore({
      client: raw,
      prefix,
      fenceTtlMs: 10_000,
      commandTimeoutMs: 1_000,
      clock,
    });
    const ns = 'aged';
    const young = await store.getWithFence(ns, 'young');
    const old = await store.getWithFence(ns, 'old');
    clock.advance(8_999);
    await expect(
      store.set(ns, 'young', bytes, { ttlMs: 10_000, fence: young.fence }),
    ).resolves.toBe('written');
    clock.advance(1);
    await expect(store.set(ns, 'old', bytes, { ttlMs: 10_000, fence: old.fence })).resolves.toBe(
      'fenced',
    );
    expect(await store.has(ns, 'old')).toBe(false);
    await store.close();
  });

  it('runs its own command deadline on the injected clock, not on real timers', async () => {
    const hung = await silentServer();
    // No commandTimeout on the client: the store's own deadline is the only one.
    const client = new Redis({ host: '127.0.0.1', port: hung.port, maxRetriesPerRequest: null });
    const clock = fakeClock();
    const store = redisStore({ client, prefix, commandTimeoutMs: 500, clock });
    let settled = false;
    const read = store.get('ns', 'k').finally(() => {
      settled = true;
    });
    read.catch(() => {});
    await clock.advanceAsync(499);
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    expect(settled).toBe(true);
    await expect(read).rejects.toBeInstanceOf(TimeoutError);
    await store.close();
    client.disconnect();
    await hung.close();
  });
});
