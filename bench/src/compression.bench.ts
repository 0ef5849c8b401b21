/**
 * @cachestack/compression: ratio and MB/s per codec and level on JSON API payloads of
 * 1 KB, 64 KB and 1 MB next to the uncompressed path; where the sync/async/stream cutoffs
 * lie; the cost of the codec for values under the threshold; L2-hit throughput through
 * createCache with compression on and off. `pnpm bench compression`.
 */

import {
  type AlgorithmName,
  availableAlgorithms,
  type CompressionOptions,
  compression,
} from '@cachestack/compression';
import {
  type Codec,
  createCache,
  decodeFrame,
  type Entry,
  encodeFrame,
  jsonSerializer,
  memoryStore,
} from '@cachestack/core';
import { Redis } from 'ioredis';
import {
  interleaved,
  median,
  printScenario,
  type Row,
  ratios,
  type ScenarioResult,
  writeResults,
} from './lib/report.js';

// ---- deterministic fixtures (the same generator as packages/compression/test/fixtures.ts)

function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rand = () => number;
const FIRST = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Alan',
  'Barbara',
  'Ken',
  'Radia',
  'Dennis',
  'Frances',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Turing',
  'Liskov',
  'Thompson',
  'Perlman',
];
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Toronto', 'Nairobi', 'Austin', 'Krakow', 'Melbourne'];
const WORDS =
  'the a cache value request latency customer order shipping invoice premium support fast reliable service update region payment card refund ticket priority new item stock price discount review great quality would buy again delivery was quick'.split(
    ' ',
  );
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const hex = (r: Rand, n: number): string =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const iso = (r: Rand): string => new Date(1_700_000_000_000 + Math.floor(r() * 3e10)).toISOString();
type Shape = 'users' | 'orders' | 'feed';
const items: Record<Shape, (r: Rand, i: number) => unknown> = {
  users: (r, i) => {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    return {
      id: 10_000 + i,
      uuid: `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`,
      name: `${first} ${last}`,
      email: `${first}.${last}${i}@example.com`.toLowerCase(),
      createdAt: iso(r),
      roles: r() > 0.8 ? ['reader', 'admin'] : ['reader'],
      active: r() > 0.2,
      address: { city: pick(r, CITIES), zip: String(Math.floor(r() * 99_999)).padStart(5, '0') },
      preferences: { newsletter: r() > 0.5, theme: r() > 0.5 ? 'dark' : 'light', locale: 'en-US' },
    };
  },
  orders: (r, i) => {
    const lines = 1 + Math.floor(r() * 4);
    return {
      orderId: `ord_${hex(r, 16)}`,
      number: 500_000 + i,
      status: pick(r, STATUSES),
      placedAt: iso(r),
      currency: 'EUR',
      customer: { id: Math.floor(r() * 1e6), tier: r() > 0.9 ? 'gold' : 'standard' },
      items: Array.from({ length: lines }, () => ({
        sku: `SKU-${Math.floor(r() * 90_000 + 10_000)}`,
        quantity: 1 + Math.floor(r() * 3),
        unitPrice: Math.round(r() * 20_000) / 100,
      })),
      shipping: { method: r() > 0.5 ? 'express' : 'standard', city: pick(r, CITIES) },
    };
  },
  feed: (r, i) => ({
    id: `post_${i}`,
    author: {
      handle: `@${pick(r, FIRST).toLowerCase()}${Math.floor(r() * 1000)}`,
      verified: r() > 0.9,
    },
    text: Array.from({ length: 12 + Math.floor(r() * 30) }, () => pick(r, WORDS)).join(' '),
    likes: Math.floor(r() * 5000),
    reposts: Math.floor(r() * 300),
    publishedAt: iso(r),
    tags: [pick(r, WORDS), pick(r, WORDS)],
  }),
};
function jsonPayload(shape: Shape, bytes: number, seed = 1): Buffer {
  const r = prng(seed);
  const data: unknown[] = [];
  let size = 60;
  for (let i = 0; data.length === 0 || size < bytes; i++) {
    const item = items[shape](r, i);
    size += JSON.stringify(item).length + 1;
    data.push(item);
  }
  const doc = { data, page: { number: 1, size: data.length, total: data.length * 7 }, shape };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

// ---- helpers

const SHAPES: Shape[] = ['users', 'orders', 'feed'];
const MB = 1024 * 1024;

/**
 * Runs `fn` over `inputs` round-robin for about `ms` and times every call; returns the
 * median µs per call and the MB/s it implies. The median (not the mean) because this
 * machine is shared: a call preempted by another process must not skew the figure.
 */
async function rate(
  inputs: readonly Uint8Array[],
  fn: (data: Uint8Array, i: number) => unknown,
  ms: number,
): Promise<{ mbPerSec: number; usPerOp: number }> {
  for (let i = 0; i < inputs.length; i++) await fn(inputs[i]!, i); // warm-up
  const perByte: number[] = [];
  const perOp: number[] = [];
  const end = performance.now() + ms;
  for (let ops = 0; ops < 5 || performance.now() < end; ops++) {
    const i = ops % inputs.length;
    const t0 = performance.now();
    await fn(inputs[i]!, i);
    const us = (performance.now() - t0) * 1000;
    perOp.push(us);
    perByte.push(us / inputs[i]!.byteLength);
  }
  return { mbPerSec: (1 / median(perByte) / MB) * 1e6, usPerOp: median(perOp) };
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

// ---- scenario 1: ratio and MB/s per codec and level

async function ratioAndSpeed(): Promise<ScenarioResult[]> {
  const configs: [string, CompressionOptions][] = [
    ['gzip 1', { algorithm: 'gzip', level: 1 }],
    ['gzip 6 (default level)', { algorithm: 'gzip' }],
    ['gzip 9', { algorithm: 'gzip', level: 9 }],
    ['deflate 6', { algorithm: 'deflate' }],
    ['brotli 1', { algorithm: 'brotli', level: 1 }],
    ['brotli 4 (default)', { algorithm: 'brotli' }],
    ['brotli 6', { algorithm: 'brotli', level: 6 }],
    ['brotli 9', { algorithm: 'brotli', level: 9 }],
    ['auto', { algorithm: 'auto' }],
  ];
  if (availableAlgorithms().includes('zstd' as AlgorithmName)) {
    configs.push(
      ['zstd 1', { algorithm: 'zstd', level: 1 }],
      ['zstd 3 (default level)', { algorithm: 'zstd' }],
    );
  }
  const results: ScenarioResult[] = [];
  for (const [label, size, ms] of [
    ['1 KB', 1024, 120],
    ['64 KB', 64 * 1024, 150],
    ['1 MB', MB, 300],
  ] as const) {
    const inputs = SHAPES.map((shape) => jsonPayload(shape, size));
    const reference = 'none (uncompressed path)';
    const identity = compression({ thresholdBytes: '1gb' });
    const refEnc = await rate(inputs, (d) => identity.encode(d), ms);
    const rows: Row[] = [
      {
        name: reference,
        savedPct: 0,
        encodeMBps: round(refEnc.mbPerSec),
        decodeMBps: round(refEnc.mbPerSec),
        encodeUs: round(refEnc.usPerOp, 2),
        decodeUs: 0,
      },
    ];
    for (const [name, options] of configs) {
      const codec = compression({ minSavingsRatio: 0, ...options });
      const encoded = await Promise.all(inputs.map((d) => codec.encode(d)));
      const inBytes = inputs.reduce((n, d) => n + d.byteLength, 0);
      const outBytes = encoded.reduce((n, e) => n + e.data.byteLength, 0);
      const enc = await rate(inputs, (d) => codec.encode(d), ms);
      const dec = await rate(
        encoded.map((e) => e.data),
        (d, i) => codec.decode(encoded[i]!.id, d),
        ms,
      );
      // Decode speed in uncompressed bytes per second, like encode.
      const decMBps = (dec.mbPerSec * inBytes) / outBytes;
      rows.push({
        name,
        savedPct: round((1 - outBytes / inBytes) * 100),
        encodeMBps: round(enc.mbPerSec),
        decodeMBps: round(decMBps),
        encodeUs: round(enc.usPerOp),
        decodeUs: round(dec.usPerOp),
      });
    }
    results.push({
      scenario: `JSON API payloads, ${label} (users, orders, feed): bytes saved, MB/s of uncompressed data`,
      reference,
      rows,
      ratios: ratios(rows, reference, 'encodeMBps'),
      notes: [
        'ratio column: encode MB/s relative to the uncompressed path (which only counts a skip)',
      ],
    });
  }
  return results;
}

// ---- scenario 2: sync vs async vs stream

async function paths(): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const modes = {
    sync: { syncBelowBytes: '1gb', streamAboveBytes: '2gb' },
    async: { syncBelowBytes: 0, streamAboveBytes: '2gb' },
    stream: { syncBelowBytes: 0, streamAboveBytes: 1 },
  } as const;
  for (const size of [1024, 4096, 16 * 1024, 32 * 1024, 64 * 1024, 256 * 1024]) {
    const inputs = [jsonPayload('users', size)];
    const row: Record<string, number | string> = { name: `brotli 4, ${size / 1024} KB` };
    for (const [mode, options] of Object.entries(modes)) {
      const codec = compression({ algorithm: 'brotli', ...options });
      const e = await codec.encode(inputs[0]!);
      row[`${mode}EncUs`] = round((await rate(inputs, (d) => codec.encode(d), 100)).usPerOp);
      row[`${mode}DecUs`] = round(
        (await rate([e.data], (d) => codec.decode(e.id, d), 100)).usPerOp,
      );
    }
    rows.push(row as Row);
  }
  return {
    scenario: 'µs per call by path (the default syncBelowBytes is 16 KB, streamAboveBytes 1 MB)',
    reference: rows[0]!.name,
    rows,
    ratios: {},
    notes: [
      'sync blocks the event loop for its whole duration; async/stream run on the libuv pool',
      'decode sizes are the compressed sizes of the same values',
    ],
  };
}

// ---- scenario 3: values under the threshold cost nothing measurable

const entry = (value: unknown): Entry => ({
  value,
  createdAt: 1_700_000_000_000,
  freshUntil: 1_700_000_060_000,
  staleUntil: 1_700_000_120_000,
  tags: undefined,
});

async function underThreshold(): Promise<ScenarioResult> {
  const small = JSON.parse(jsonPayload('users', 300).toString()) as unknown;
  const codec = compression();
  const frameOpts = (codecs: Codec[]) => ({ serializer: jsonSerializer, codecs });
  const e = entry(small);
  const rows = await interleaved(
    {
      'encode+decode frame, no codec': async () => {
        const f = encodeFrame(e, jsonSerializer, undefined) as Uint8Array;
        return decodeFrame(f, frameOpts([]));
      },
      'encode+decode frame, compression (value under threshold)': async () => {
        const f = (await encodeFrame(e, jsonSerializer, codec)) as Uint8Array;
        return decodeFrame(f, frameOpts([codec]));
      },
    },
    { concurrency: 1, durationMs: 300, rounds: 3 },
  );
  return {
    scenario: `frame encode+decode of a ${Buffer.byteLength(JSON.stringify(small))} B value: no codec vs compression under its 1 KB threshold`,
    reference: 'encode+decode frame, no codec',
    rows,
    ratios: ratios(rows, 'encode+decode frame, no codec'),
  };
}

// ---- scenario 4: L2-hit throughput through createCache, compression on vs off

async function l2Hits(): Promise<ScenarioResult> {
  const values = {
    small: JSON.parse(jsonPayload('users', 300).toString()) as unknown,
    json20k: JSON.parse(jsonPayload('orders', 20 * 1024).toString()) as unknown,
  };
  const make = (codec: Codec | undefined) => {
    const cache = createCache({
      namespace: 'bench',
      l1: false,
      l2: memoryStore(),
      ...(codec ? { codec } : {}),
    });
    return cache;
  };
  const caches = {
    off: make(undefined),
    brotli4: make(compression()),
    gzip6: make(compression({ algorithm: 'gzip' })),
  };
  for (const cache of Object.values(caches)) {
    await cache.set('small', values.small, { ttl: '1h' });
    await cache.set('json20k', values.json20k, { ttl: '1h' });
  }
  const rows = await interleaved(
    {
      'L2 hit 300 B, compression off': () => caches.off.get('small'),
      'L2 hit 300 B, compression on (under threshold)': () => caches.brotli4.get('small'),
      'L2 hit 20 KB JSON, compression off': () => caches.off.get('json20k'),
      'L2 hit 20 KB JSON, brotli 4': () => caches.brotli4.get('json20k'),
      'L2 hit 20 KB JSON, gzip 6': () => caches.gzip6.get('json20k'),
    },
    { concurrency: 4, durationMs: 300, rounds: 3 },
  );
  for (const cache of Object.values(caches)) await cache.close();
  return {
    scenario:
      'createCache get() served from L2 (in-process memory store, l1: false): compression on vs off',
    reference: 'L2 hit 300 B, compression off',
    rows,
    ratios: ratios(rows, 'L2 hit 300 B, compression off'),
    notes: [
      'the memory store has no network: the codec share of a Redis hit is smaller than shown',
    ],
  };
}

// ---- scenario 5: L2 hits from a real Redis (GET of the frame + decodeFrame)

async function redisHits(): Promise<ScenarioResult | undefined> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  try {
    await redis.connect();
  } catch {
    console.log('  (no Redis at REDIS_URL: Redis L2-hit scenario skipped)');
    return undefined;
  }
  const prefix = `bench:compression:${process.pid}:${Date.now()}:`;
  const codecs = {
    off: undefined,
    'brotli 4': compression(),
    'gzip 6': compression({ algorithm: 'gzip' }),
  };
  const sizes = { '20 KB': 20 * 1024, '200 KB': 200 * 1024 };
  const contenders: Record<string, () => Promise<unknown>> = {};
  const stored: Record<string, number> = {};
  const keys: string[] = [];
  for (const [sizeName, size] of Object.entries(sizes)) {
    const e = entry(JSON.parse(jsonPayload('orders', size).toString()) as unknown);
    for (const [codecName, codec] of Object.entries(codecs)) {
      const key = `${prefix}${sizeName}:${codecName}`;
      const frame = await encodeFrame(e, jsonSerializer, codec);
      await redis.set(key, Buffer.from(frame), 'PX', 600_000);
      keys.push(key);
      const name = `Redis L2 hit ${sizeName} JSON, compression ${codecName}`;
      stored[name] = frame.byteLength;
      const decodeOptions = { serializer: jsonSerializer, codecs: codec ? [codec] : [] };
      contenders[name] = async () => decodeFrame((await redis.getBuffer(key))!, decodeOptions);
    }
  }
  const rows = (await interleaved(contenders, { concurrency: 4, durationMs: 300, rounds: 3 })).map(
    (row) => ({ ...row, storedBytes: stored[row.name] }),
  );
  await redis.del(...keys);
  await redis.quit();
  const reference = 'Redis L2 hit 20 KB JSON, compression off';
  return {
    scenario: 'L2 hits from the shared Redis: getBuffer + decodeFrame, compression on vs off',
    reference,
    rows,
    ratios: ratios(rows, reference),
    notes: ['loopback Redis: on a real network the smaller frames matter more than here'],
  };
}

export default async function run(): Promise<void> {
  const results: ScenarioResult[] = [];
  for (const r of await ratioAndSpeed()) {
    printScenario(r);
    results.push(r);
  }
  for (const scenario of [paths, underThreshold, l2Hits, redisHits]) {
    const r = await scenario();
    if (!r) continue;
    printScenario(r);
    results.push(r);
  }
  writeResults('compression', results);
}
