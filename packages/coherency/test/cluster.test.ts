import type { InvalidationMessage } from '@cachestack/core';
import { clusterSlot } from '@cachestack/core/kit';
import { type PrivateCluster, startPrivateCluster } from '@cachestack/test-suite';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisBus, redisBus } from '../src/redis-bus.js';
import { encodeFrame, WIRE_VERSION } from '../src/wire.js';
import { del, nextEvent, nextState } from './helpers.js';

let cluster: PrivateCluster;
let pubClient: Cluster;
let subClient: Cluster;
const open: { close(): unknown }[] = [];

function clusterClient(): Cluster {
  return new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
}

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  pubClient = clusterClient();
  subClient = clusterClient();
  await Promise.all([pubClient, subClient].map((c) => new Promise((r) => c.once('ready', r))));
}, 90_000);

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

afterAll(async () => {
  await pubClient?.quit();
  await subClient?.quit();
  await cluster?.stop();
});

let channels = 0;

async function pair(sharded: boolean): Promise<{ a: RedisBus; b: RedisBus; channel: string }> {
  const channel = `bus-${sharded ? 's' : 'c'}-${++channels}`;
  const options = { channel, sharded, heartbeatIntervalMs: 0 };
  const a = redisBus({ ...options, client: pubClient, instanceId: 'a' });
  const b = redisBus({ ...options, client: subClient, instanceId: 'b' });
  open.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  return { a, b, channel };
}

const collect = (bus: RedisBus): InvalidationMessage[] => {
  const got: InvalidationMessage[] = [];
  bus.subscribe((m) => got.push(m));
  return got;
};

/** Subscribers of `channel` per master, by port (sharded: SHARDNUMSUB, classic: NUMSUB). */
async function subscribersPerMaster(channel: string, sharded: boolean): Promise<number[]> {
  const counts: number[] = [];
  for (const node of pubClient.nodes('master')) {
    const reply = (await node.call(
      'PUBSUB',
      sharded ? 'SHARDNUMSUB' : 'NUMSUB',
      channel,
    )) as unknown[];
    counts.push(Number(reply[1]));
  }
  return counts;
}

const frame = (s: number, m: InvalidationMessage) =>
  encodeFrame({ v: WIRE_VERSION, k: 'inv', i: 'raw', e: 'e1', t: Date.now(), s, m });

describe.each([
  ['classic (PUBLISH / SUBSCRIBE)', false],
  ['sharded (SPUBLISH / SSUBSCRIBE)', true],
])('redisBus on a 3-master Cluster, %s', (_name, sharded) => {
  it('delivers invalidations between instances with sequence numbers', async () => {
    const { a, b } = await pair(sharded);
    const gotB = collect(b);
    const delivered = nextEvent(b, 'message');
    await a.publish(del('ns', 'k1'));
    expect((await delivered).seq).toBe(1);
    const second = nextEvent(b, 'message');
    await a.publish({ type: 'clear', namespace: 'ns' });
    expect((await second).seq).toBe(2);
    expect(gotB).toEqual([del('ns', 'k1'), { type: 'clear', namespace: 'ns' }]);
    expect(b.stats()).toMatchObject({ delivered: 2, gaps: 0 });
  });

  it('detects a skipped sequence number and flaps, as on one server', async () => {
    const { b, channel } = await pair(sharded);
    const send = (text: string) =>
      sharded ? pubClient.spublish(channel, text) : pubClient.publish(channel, text);
    const first = nextEvent(b, 'message');
    await send(frame(1, del('ns', 'x')));
    await first;
    const gap = nextEvent(b, 'gap');
    await send(frame(3, del('ns', 'y')));
    expect(await gap).toMatchObject({ from: 'raw', missing: 1, action: 'flap' });
    expect(b.stats().gaps).toBe(1);
  });

  it('reconnects its subscriber after the connection is killed and hears again', async () => {
    const { a, b, channel } = await pair(sharded);
    const down = nextState(b, 'disconnected');
    const up = nextState(b, 'connected');
    for (const node of pubClient.nodes('master')) {
      await node.call('CLIENT', 'KILL', 'TYPE', 'pubsub').catch(() => {});
    }
    await down;
    await up;
    const delivered = nextEvent(b, 'message');
    await a.publish(del('ns', 'after'));
    expect((await delivered).message).toEqual(del('ns', 'after'));
    if (sharded) expect((await subscribersPerMaster(channel, true)).sort()).toEqual([0, 0, 2]);
  });
});

describe('sharded bus placement', () => {
  it('subscribes on the master owning the channel slot only', async () => {
    const { channel } = await pair(true);
    const counts = await subscribersPerMaster(channel, true);
    expect(counts.filter((n) => n > 0)).toEqual([2]);
    const owner = pubClient.slots[clusterSlot(channel)]![0]!;
    const ports = pubClient.nodes('master').map((node) => `${node.options.port}`);
    expect(counts[ports.indexOf(owner.split(':')[1]!)]).toBe(2);
    // Classic pub/sub subscribers are not sharded ones.
    expect(await subscribersPerMaster(channel, false)).toEqual([0, 0, 0]);
  });
});
