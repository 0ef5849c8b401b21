/**
 * @cachestack/coherency: invalidation delivery latency (p50/p99) and messages/s across
 * 4 processes (this one publishes, 3 forked receivers), against raw ioredis pub/sub with
 * the same payload size as the reference, and @boringnode/bus (the bus bentocache uses). This file is also the receivers' entry point
 * (forked with COHERENCY_BENCH_ROLE set).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Bus as BoringBus } from '@boringnode/bus';
import { RedisTransport } from '@boringnode/bus/transports/redis';
import { type RedisBus, redisBus } from '@cachestack/coherency';
import { Redis } from 'ioredis';
import {
  median,
  percentile,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

const wall = () => performance.timeOrigin + performance.now();
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RECEIVERS = 3;
type Mode = 'bus' | 'raw' | 'boringnode';

interface ReceiverConfig {
  readonly mode: Mode;
  readonly channel: string;
  readonly expected: number;
}

/** Receiver process: counts messages, records lag, reports when all arrived. */
async function receiver(config: ReceiverConfig): Promise<void> {
  const lags: number[] = [];
  let first = 0;
  let last = 0;
  const done = (): void => {
    const cpu = process.cpuUsage(cpuStart);
    process.send?.({ lags, first, last, cpuUs: cpu.user + cpu.system });
  };
  let cpuStart: NodeJS.CpuUsage | undefined;
  const note = (lagMs: number): void => {
    if (lags.length === 0) cpuStart = process.cpuUsage();
    const now = wall();
    if (lags.length === 0) first = now;
    last = now;
    lags.push(lagMs);
    if (lags.length === config.expected) done();
  };
  let bus: RedisBus | undefined;
  let sub: Redis | undefined;
  let peer: BoringBus | undefined;
  if (config.mode === 'boringnode') {
    peer = new BoringBus(new RedisTransport(url).setId(randomUUID()));
    await peer.subscribe<{ t: number }>(config.channel, (m) => note(wall() - m.t));
  } else if (config.mode === 'bus') {
    bus = redisBus({ url, channel: config.channel, heartbeatIntervalMs: 0 });
    bus.on('message', (e) => note(e.lagMs));
    await bus.ready();
  } else {
    sub = new Redis(url);
    sub.on('message', (_c: string, text: string) =>
      note(wall() - (JSON.parse(text) as { t: number }).t),
    );
    await sub.subscribe(config.channel);
  }
  process.send?.({ ready: true });
  process.once('disconnect', () => {
    void bus?.close();
    void peer?.disconnect();
    sub?.disconnect();
  });
}

interface Report {
  readonly lags: number[];
  readonly first: number;
  readonly last: number;
  readonly cpuUs: number;
}

async function scenario(mode: Mode, count: number, paced: boolean): Promise<Row> {
  const channel = `bench:coherency:${process.pid}:${mode}:${Date.now()}`;
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: RECEIVERS }, () =>
    fork(self, [], {
      env: {
        ...process.env,
        COHERENCY_BENCH_ROLE: JSON.stringify({ mode, channel, expected: count }),
      },
      execArgv: [],
    }),
  );
  const reports = children.map(
    (child) =>
      new Promise<Report>((resolve) => {
        child.on('message', (m: Report | { ready: true }) => {
          if ('lags' in m) resolve(m);
        });
      }),
  );
  await Promise.all(
    children.map((child) => new Promise<void>((resolve) => child.once('message', () => resolve()))),
  );
  const bus = mode === 'bus' ? redisBus({ url, channel, heartbeatIntervalMs: 0 }) : undefined;
  const pub = mode === 'raw' ? new Redis(url) : undefined;
  const peer =
    mode === 'boringnode'
      ? new BoringBus(new RedisTransport(url).setId(randomUUID()), {
          retryQueue: { enabled: true },
        })
      : undefined;
  await bus?.ready();
  // Like a real instance, every publisher also listens on the channel (and so receives
  // its own messages back, as Redis pub/sub delivers to every subscriber).
  const echo = mode === 'raw' ? new Redis(url) : undefined;
  if (echo) {
    echo.on('message', () => {});
    await echo.subscribe(channel);
  }
  await peer?.subscribe(channel, () => {});
  const message = { type: 'delete', namespace: 'users', keys: ['user:12345'] } as const;
  const send = (): Promise<unknown> => {
    if (bus) return bus.publish(message);
    if (peer)
      return peer.publish(channel, { t: wall(), m: { ...message, keys: [...message.keys] } });
    const frame = { v: 1, k: 'inv', i: 'raw', e: 'x', s: 1, t: wall(), m: message };
    return pub!.publish(channel, JSON.stringify(frame));
  };
  const started = wall();
  const cpuStart = process.cpuUsage();
  if (paced) {
    for (let i = 0; i < count; i++) {
      await send();
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    }
  } else {
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < count; i++) {
      const p = send().finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= 64) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  }
  const results = await Promise.all(reports);
  const cpu = process.cpuUsage(cpuStart);
  for (const child of children) child.disconnect();
  await bus?.close();
  await peer?.disconnect();
  pub?.disconnect();
  echo?.disconnect();
  const lags = results.flatMap((r) => r.lags);
  const lastAt = Math.max(...results.map((r) => r.last));
  const name = NAMES[mode];
  return {
    name,
    opsPerSec: Math.round((count / (lastAt - started)) * 1000),
    p50Ms: Number(percentile(lags, 50).toFixed(3)),
    p99Ms: Number(percentile(lags, 99).toFixed(3)),
    maxMs: Number(Math.max(...lags).toFixed(3)),
    delivered: lags.length,
    publisherCpuUsPerMsg: Number(((cpu.user + cpu.system) / count).toFixed(2)),
    receiverCpuUsPerMsg: Number(
      (results.reduce((sum, r) => sum + r.cpuUs, 0) / lags.length).toFixed(2),
    ),
  };
}

const ROUNDS = 3;
const MODES: readonly Mode[] = ['raw', 'bus', 'boringnode'];
const NAMES: Record<Mode, string> = {
  raw: 'raw ioredis pub/sub',
  bus: 'redisBus',
  boringnode: '@boringnode/bus (bentocache)',
};

function medianRow(rows: readonly Row[]): Row {
  const pick = (field: string) => median(rows.map((r) => r[field] as number));
  return {
    name: rows[0]!.name,
    opsPerSec: Math.round(pick('opsPerSec')),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    maxMs: pick('maxMs'),
    delivered: rows[0]!.delivered,
    receiverCpuUsPerMsg: pick('receiverCpuUsPerMsg'),
    publisherCpuUsPerMsg: pick('publisherCpuUsPerMsg'),
  };
}

/** Runs the coherency scenarios. */
export default async function run(): Promise<void> {
  const out: ScenarioResult[] = [];
  for (const [title, count, paced] of [
    [
      'delivery latency, paced publishes (~2.5k/s), 1 publisher -> 3 receiver processes',
      2000,
      true,
    ],
    ['throughput, 64 publishes in flight, 1 publisher -> 3 receiver processes', 10_000, false],
  ] as const) {
    // Interleaved rounds (raw, bus, boringnode, raw, ...) so machine noise hits all alike;
    // the first round warms up, then the median of each figure over ROUNDS is kept.
    const samples: Record<Mode, Row[]> = { raw: [], bus: [], boringnode: [] };
    for (let round = 0; round <= ROUNDS; round++) {
      for (const mode of MODES) {
        const row = await scenario(mode, count, paced);
        if (round > 0) samples[mode].push(row);
      }
    }
    const rows = MODES.map((mode) => medianRow(samples[mode]));
    const metric = paced ? 'p99Ms' : 'opsPerSec';
    const result: ScenarioResult = {
      scenario: title,
      reference: 'raw ioredis pub/sub',
      rows,
      ratios: ratios(rows, 'raw ioredis pub/sub', metric),
      notes: [
        paced
          ? 'ratio = p99 lag / reference p99 lag (lower is better); lag = receiver wall clock - sender stamp'
          : 'ratio = messages/s (each delivered to 3 processes) / reference',
      ],
    };
    printScenario(result);
    out.push(result);
  }
  writeResults('coherency', out);
}

const role = process.env.COHERENCY_BENCH_ROLE;
if (role) void receiver(JSON.parse(role) as ReceiverConfig);
