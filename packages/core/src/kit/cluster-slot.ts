/**
 * The Redis Cluster hash slot of a key or channel: CRC16 (XMODEM) of its hash tag — the
 * part between the first `{` and the next `}` when non-empty, else the whole name — over
 * its UTF-8 bytes, mod 16384. Satellites use it to find the master that owns a sharded
 * pub/sub channel (SSUBSCRIBE must go there) or to place hash tags on slots.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  TABLE[i] = crc & 0xffff;
}

/** CRC16-XMODEM of bytes, as Redis Cluster computes it. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

const encoder = new TextEncoder();

/** Number of hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/** The hash slot (0..16383) Redis Cluster assigns to `key`. */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(encoder.encode(key)) % CLUSTER_SLOTS;
}
