import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, seed?: number) => number;

let table: Uint32Array | undefined;

function crc32Js(data: Uint8Array, seed = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, seed?: number) => number }).crc32;

/** CRC-32 (IEEE), continuing from `seed` (a previous CRC), native `zlib.crc32` where the runtime has it. */
export const crc32: Crc32 =
  typeof native === 'function' ? (data, seed = 0) => native(data, seed) >>> 0 : crc32Js;

/** @internal exposed for tests: the portable implementation. */
export const crc32Portable: Crc32 = crc32Js;
