/** Bytes of the given octets. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** UTF-8 bytes of `s`. */
export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A long TTL no test outlives. */
export const LONG_TTL_MS = 60_000;
