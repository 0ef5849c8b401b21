import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit key of a client address: `ip:<IPv4>` for IPv4 (and IPv4-mapped IPv6
 * such as `::ffff:203.0.113.7`), and `ip:<network>/<bits>` for IPv6, grouped by the
 * first `ipv6SubnetBits` bits (56 by default, as express-rate-limit 8 does) because one
 * subscriber usually holds a whole /56 or /64 and could otherwise rotate addresses to
 * escape its limit. `false` keeps every IPv6 address apart.
 *
 * Pass what the framework says the client is (`req.ip` on express and fastify), which
 * honours the framework's trust-proxy setting; never a raw `X-Forwarded-For` header,
 * which any client can forge.
 */
export function clientKey(address: string, ipv6SubnetBits: number | false = 56): string {
  if (isIPv4(address)) return `ip:${address}`;
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return `ip:${address}`;
  const words = parseIPv6(bare);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    if (words[5] === 0xffff) {
      const hi = words[6]!;
      const lo = words[7]!;
      return `ip:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
    }
  }
  if (ipv6SubnetBits === false) return `ip:${formatIPv6(words)}`;
  return `ip:${formatIPv6(maskIPv6(words, ipv6SubnetBits))}/${ipv6SubnetBits}`;
}

/** Eight 16-bit words of a valid IPv6 address (compressed, and with a dotted IPv4 tail). */
function parseIPv6(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = `${text.slice(0, lastColon + 1)}0`;
    // the placeholder word is replaced by the two IPv4 words below
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headWords = head === '' ? [] : head.split(':').map((w) => Number.parseInt(w, 16));
  const restWords =
    rest === undefined || rest === '' ? [] : rest.split(':').map((w) => Number.parseInt(w, 16));
  if (tail.length > 0) {
    const target = rest === undefined ? headWords : restWords;
    target.pop();
    target.push(...tail);
  }
  const fill = 8 - headWords.length - restWords.length;
  const words = [...headWords];
  for (let i = 0; i < fill; i++) words.push(0);
  words.push(...restWords);
  return words;
}

function maskIPv6(words: readonly number[], bits: number): number[] {
  return words.map((word, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 0 ? 0 : word & ((0xffff << (16 - keep)) & 0xffff);
  });
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of zero words as `::`. */
function formatIPv6(words: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
