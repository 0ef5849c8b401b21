/**
 * Deterministic test data: realistic JSON API payloads of several shapes and sizes,
 * binary records, random bytes and already-compressed bytes. Same seed, same bytes.
 */
import { gzipSync } from 'node:zlib';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const hex = (r: Rand, n: number): string =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const uuid = (r: Rand): string =>
  `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
const iso = (r: Rand): string => new Date(1_700_000_000_000 + Math.floor(r() * 3e10)).toISOString();
const sentence = (r: Rand, words: number): string =>
  Array.from({ length: words }, () => pick(r, WORDS)).join(' ');

/** The JSON payload shapes the tests and benchmarks use. */
export type JsonShape = 'users' | 'orders' | 'feed' | 'metrics';

const items: Record<JsonShape, (r: Rand, i: number) => unknown> = {
  // A paginated REST list of user records (ids, uuids, emails, nested address).
  users: (r, i) => {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    return {
      id: 10_000 + i,
      uuid: uuid(r),
      name: `${first} ${last}`,
      email: `${first}.${last}${i}@example.com`.toLowerCase(),
      createdAt: iso(r),
      roles: r() > 0.8 ? ['reader', 'admin'] : ['reader'],
      active: r() > 0.2,
      address: { city: pick(r, CITIES), zip: String(Math.floor(r() * 99_999)).padStart(5, '0') },
      preferences: { newsletter: r() > 0.5, theme: r() > 0.5 ? 'dark' : 'light', locale: 'en-US' },
    };
  },
  // E-commerce orders with line items, money amounts and statuses.
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
  // A social/news feed: free text dominates.
  feed: (r, i) => ({
    id: `post_${i}`,
    author: {
      handle: `@${pick(r, FIRST).toLowerCase()}${Math.floor(r() * 1000)}`,
      verified: r() > 0.9,
    },
    text: sentence(r, 12 + Math.floor(r() * 30)),
    likes: Math.floor(r() * 5000),
    reposts: Math.floor(r() * 300),
    publishedAt: iso(r),
    tags: [pick(r, WORDS), pick(r, WORDS)],
  }),
  // A metrics time series: mostly numbers, the least compressible JSON.
  metrics: (r, i) => ({
    t: 1_700_000_000 + i * 15,
    cpu: Math.round(r() * 10_000) / 100,
    memMb: Math.round(512 + r() * 3584),
    p99Ms: Math.round(r() * 250_000) / 1000,
    rps: Math.floor(r() * 20_000),
  }),
};

/** A JSON document of `shape` whose UTF-8 size is about `bytes` (at least one record). */
export function jsonPayload(shape: JsonShape, bytes: number, seed = 1): Buffer {
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

/** Random bytes from the seeded PRNG (incompressible). */
export function randomBytes(bytes: number, seed = 7): Buffer {
  const r = prng(seed);
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(r() * 256);
  return out;
}

/**
 * Binary records: fixed-width structs (u32 id, f64 price, u16 flags, 8-byte code from a
 * small alphabet), like a columnar export; moderately compressible.
 */
export function binaryRecords(bytes: number, seed = 3): Buffer {
  const r = prng(seed);
  const out = Buffer.alloc(bytes);
  for (let o = 0; o + 22 <= bytes; o += 22) {
    out.writeUInt32BE(Math.floor(r() * 100_000), o);
    out.writeDoubleBE(Math.round(r() * 100_000) / 100, o + 4);
    out.writeUInt16BE(r() > 0.5 ? 1 : 3, o + 12);
    out.write(pick(r, ['ABCD1234', 'EFGH5678', 'IJKL9012']), o + 14, 'latin1');
  }
  return out;
}

/** Bytes that are already compressed (gzip of a JSON payload). */
export function alreadyCompressed(bytes: number): Buffer {
  return gzipSync(jsonPayload('feed', bytes * 8, 11)).subarray(0, bytes);
}
