import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type PrivateRedis,
  redisUrl,
  startPrivateRedis,
  uniquePrefix,
} from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
const KEYS = ['k0', 'k1', 'k2', 'k3'];

interface ReaderResult {
  reads: number;
  violations: { key: string; value: number; invalidatedBelow: number }[];
  lastServed: Record<string, Record<string, number>>;
  final: { key: string; value: string; truth: string }[];
  disconnects: number;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

type ChildMessage = { type: string; [field: string]: unknown };

function start(config: Record<string, unknown>): {
  child: ChildProcess;
  next: (type: string) => Promise<ChildMessage>;
} {
  const child = fork(fixture, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const inbox: ChildMessage[] = [];
  const waiters: { type: string; resolve: (m: ChildMessage) => void }[] = [];
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'error') throw new Error(`child ${config.role}: ${m.message}`);
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  child.send(config);
  const next = (type: string) => {
    const i = inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
    return new Promise<ChildMessage>((resolve) => waiters.push({ type, resolve }));
  };
  return { child, next };
}

/** Runs 1 writer + 3 readers (L1 + redis store L2, loader reading a "database" key); returns the readers' results and the worst staleness (ms). */
async function run(url: string, onHalf?: () => Promise<void>) {
  const channel = uniquePrefix('coherency-mp');
  const dbPrefix = `${channel}:db`;
  const db = new Redis(url);
  try {
    for (const k of KEYS) await db.set(`${dbPrefix}:${k}`, '0');
    const base = { url, channel, dbPrefix, l2Prefix: channel, keys: KEYS, ops: 300 };
    const readers = [0, 1, 2].map(() => start({ ...base, role: 'reader' }));
    const writer = start({ ...base, role: 'writer' });
    await Promise.all([...readers, writer].map((p) => p.next('ready')));
    writer.child.send({ type: 'start' });
    if (onHalf) {
      await writer.next('half');
      await onHalf();
    }
    const written = (await writer.next('written')) as unknown as {
      deletedAt: Record<string, Record<string, number>>;
    };
    const results = (await Promise.all(
      readers.map((r) => r.next('result')),
    )) as unknown as ReaderResult[];
    writer.child.send({ type: 'stop' });
    // Worst time a version was served (read started) after the delete that removed it returned.
    let worstMs = 0;
    for (const r of results) {
      for (const [key, served] of Object.entries(r.lastServed)) {
        for (const [version, at] of Object.entries(served)) {
          const removedAt = written.deletedAt[key]?.[Number(version) + 1];
          if (removedAt !== undefined) worstMs = Math.max(worstMs, at - removedAt);
        }
      }
    }
    return { results, worstMs };
  } finally {
    await db.del(...KEYS.map((k) => `${dbPrefix}:${k}`));
    // The redis store's keys live under `${channel}:`.
    let cursor = '0';
    do {
      const [next, keys] = await db.scan(cursor, 'MATCH', `${channel}:*`, 'COUNT', 500);
      if (keys.length > 0) await db.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    db.disconnect();
  }
}

describe('coherence across 4 processes', () => {
  it('no reader serves a deleted version once the invalidation reached it, and all converge', async () => {
    const { results, worstMs } = await run(redisUrl());
    for (const r of results) {
      expect(r.reads).toBeGreaterThan(KEYS.length);
      expect(r.violations).toEqual([]);
      expect(r.final.map((f) => f.value)).toEqual(r.final.map((f) => f.truth));
      expect(r.final.map((f) => f.value)).toEqual(['75', '75', '75', '75']);
    }
    console.info(`[coherency] worst staleness after delete returned: ${worstMs.toFixed(2)} ms`);
  }, 60_000);

  it('after the bus connections are killed mid-run, no reader serves an invalidated value once recovered', async () => {
    let server: PrivateRedis | undefined;
    try {
      server = await startPrivateRedis();
      const s = server;
      const { results, worstMs } = await run(s.url, () => s.killClients('pubsub'));
      for (const r of results) {
        expect(r.disconnects).toBeGreaterThanOrEqual(1);
        expect(r.violations).toEqual([]);
        expect(r.final.map((f) => f.value)).toEqual(['75', '75', '75', '75']);
      }
      console.info(`[coherency] with CLIENT KILL: worst staleness ${worstMs.toFixed(2)} ms`);
    } finally {
      await server?.stop();
    }
  }, 60_000);
});
