import type { Serializer } from '../contracts/codec.js';
import { SerializationError } from '../contracts/errors.js';

/**
 * The default, type-faithful JSON serializer.
 *
 * Survive a round trip: JSON types, `undefined` (also inside objects and arrays),
 * `Date`, `Map`, `Set`, `BigInt`, `Buffer`, `Uint8Array`, `NaN`, `±Infinity`, `-0`, and
 * objects that happen to own a `$cs` property. Functions and symbols are rejected with
 * `SerializationError`, so are circular structures. Instances of other classes become
 * plain objects (as with `JSON.stringify`).
 *
 * Layout: one kind byte, then the body. Strings, Buffers and Uint8Arrays at the top
 * level are stored raw (no JSON, no base64); JSON that holds no special type is parsed
 * without the revival walk.
 */

const KIND_JSON = 0;
const KIND_TAGGED_JSON = 1;
const KIND_UNDEFINED = 2;
const KIND_BUFFER = 3;
const KIND_UINT8 = 4;
const KIND_STRING = 5;

const TAG = '$cs';

type Tagged = { $cs: string; v?: unknown };

function encodeJson(value: unknown): { json: string; tagged: boolean } {
  let tagged = false;
  const replacer = function (this: Record<string, unknown>, key: string, v: unknown): unknown {
    const raw = this[key];
    switch (typeof raw) {
      case 'string':
      case 'boolean':
        return raw;
      case 'number':
        if (Number.isFinite(raw) && !Object.is(raw, -0)) return raw;
        tagged = true;
        return { $cs: 'f', v: Object.is(raw, -0) ? '-0' : String(raw) };
      case 'undefined':
        tagged = true;
        return { $cs: 'u' };
      case 'bigint':
        tagged = true;
        return { $cs: 'n', v: raw.toString() };
      case 'function':
      case 'symbol':
        throw new SerializationError(
          `cannot serialize a ${typeof raw}${key === '' ? '' : ` at property "${key}"`}`,
        );
      default:
        break;
    }
    if (raw === null) return null;
    if (raw instanceof Date) {
      tagged = true;
      const time = raw.getTime();
      return { $cs: 'D', v: Number.isNaN(time) ? null : time };
    }
    if (raw instanceof Map) {
      tagged = true;
      return { $cs: 'M', v: Array.from(raw.entries()) };
    }
    if (raw instanceof Set) {
      tagged = true;
      return { $cs: 'S', v: Array.from(raw.values()) };
    }
    if (raw instanceof Uint8Array) {
      tagged = true;
      const b64 = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
      return { $cs: Buffer.isBuffer(raw) ? 'B' : 'U', v: b64 };
    }
    if (!Array.isArray(raw) && Object.hasOwn(raw as object, TAG)) {
      tagged = true;
      return { $cs: 'o', v: Object.entries(raw as object) };
    }
    return v;
  };
  try {
    const json = JSON.stringify(value, replacer);
    return { json, tagged };
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(`cannot serialize value: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function revive(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = revive(node[i]);
    return node;
  }
  const tag = (node as Tagged).$cs;
  if (typeof tag === 'string') return reviveTagged(node as Tagged);
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) obj[key] = revive(obj[key]);
  return obj;
}

function reviveTagged(node: Tagged): unknown {
  switch (node.$cs) {
    case 'u':
      return undefined;
    case 'f':
      return node.v === '-0' ? -0 : Number(node.v);
    case 'n':
      return BigInt(node.v as string);
    case 'D':
      return new Date(node.v === null ? Number.NaN : (node.v as number));
    case 'M':
      return new Map((node.v as [unknown, unknown][]).map(([k, v]) => [revive(k), revive(v)]));
    case 'S':
      return new Set((node.v as unknown[]).map(revive));
    case 'B':
      return Buffer.from(node.v as string, 'base64');
    case 'U':
      return new Uint8Array(Buffer.from(node.v as string, 'base64'));
    case 'o': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.v as [string, unknown][]) out[k] = revive(v);
      return out;
    }
    default:
      throw new SerializationError(`unknown type tag "${node.$cs}"`);
  }
}

// Buffer#toString is several times faster than a fatal TextDecoder; frames are
// checksummed before they get here, so malformed UTF-8 cannot come from storage.
// Decodes from `start` without a sub-view: a Buffer (what stores return) is read in place.
function utf8(bytes: Uint8Array, start: number): string {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('utf8', start);
}

function withKind(kind: number, body: Uint8Array | string): Uint8Array {
  if (typeof body === 'string') {
    const len = Buffer.byteLength(body);
    const out = Buffer.allocUnsafe(len + 1);
    out[0] = kind;
    out.write(body, 1);
    return out;
  }
  const out = Buffer.allocUnsafe(body.byteLength + 1);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

/** The built-in type-faithful JSON serializer (frame serializer id 0). */
export const jsonSerializer: Serializer = {
  id: 0,
  serialize(value: unknown): Uint8Array {
    if (value === undefined) return Uint8Array.of(KIND_UNDEFINED);
    if (typeof value === 'string') return withKind(KIND_STRING, value);
    if (value instanceof Uint8Array) {
      return withKind(Buffer.isBuffer(value) ? KIND_BUFFER : KIND_UINT8, value);
    }
    const { json, tagged } = encodeJson(value);
    return withKind(tagged ? KIND_TAGGED_JSON : KIND_JSON, json);
  },
  deserialize(bytes: Uint8Array): unknown {
    if (bytes.byteLength === 0) throw new SerializationError('empty payload');
    const kind = bytes[0];
    switch (kind) {
      case KIND_UNDEFINED:
        return undefined;
      case KIND_STRING:
        return utf8(bytes, 1);
      case KIND_BUFFER:
        return Buffer.from(bytes.subarray(1));
      case KIND_UINT8:
        return new Uint8Array(bytes.subarray(1));
      case KIND_JSON:
        return JSON.parse(utf8(bytes, 1));
      case KIND_TAGGED_JSON:
        return revive(JSON.parse(utf8(bytes, 1)));
      default:
        throw new SerializationError(`unknown payload kind ${kind}`);
    }
  },
};
