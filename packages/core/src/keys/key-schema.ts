import { InvalidKeyError, InvalidOptionError } from '../contracts/errors.js';

/**
 * Key schema: `{prefix}:{namespace}:{entity}:{id}` plus a schema version, e.g.
 * `app:v2:users:user:42`. Parts are escaped so a part can never be mistaken for a
 * separator; the whole key is length-bounded and validated with a typed error.
 */

/** The parts of a structured key. */
export interface KeyParts {
  readonly namespace: string;
  readonly entity: string;
  readonly id: string | number;
}

/** Options of {@link createKeySchema}. */
export interface KeySchemaOptions {
  /** Application prefix, first part of every key. Letters, digits, `_`, `-`, `.`. */
  readonly prefix: string;
  /**
   * Schema version; bump it to make every old key unreachable at once.
   * @defaultValue 1
   */
  readonly version?: number;
  /**
   * Longest key accepted, in UTF-8 bytes.
   * @defaultValue 512
   */
  readonly maxLength?: number;
}

/** A compiled key schema. */
export interface KeySchema {
  readonly prefix: string;
  readonly version: number;
  readonly maxLength: number;
  /** Builds and validates a key from its parts. */
  key(parts: KeyParts): string;
  /** Parses a key built by this schema; throws `InvalidKeyError` otherwise. */
  parse(key: string): KeyParts & { version: number };
  /** Whether the key was built by this schema (prefix and version match). */
  owns(key: string): boolean;
}

const SEPARATOR = ':';
const NAME_RE = /^[A-Za-z0-9_.-]+$/;
// Escaped in key parts: the separator, the escape char, Redis hash-tag braces, glob
// characters (keys must be safe in SCAN MATCH patterns) and whitespace/control chars.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
const ESCAPE_RE = /[%:{}*?[\]\\\s\u0000-\u001f\u007f]/g;

/** Escapes a key part so it holds no separator, brace, glob or control character. */
export function escapeKeyPart(part: string): string {
  return part.replace(ESCAPE_RE, (c) => {
    const code = c.charCodeAt(0);
    return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** Reverses {@link escapeKeyPart}. */
export function unescapeKeyPart(part: string): string {
  return part.replace(/%([0-9A-F]{2,4})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * Validates a name used as prefix, namespace or entity.
 * @throws InvalidKeyError when empty or holding characters other than letters, digits, `_`, `-`, `.`.
 */
export function assertName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidKeyError(`${kind} must be a non-empty string`);
  }
  if (!NAME_RE.test(name)) {
    throw new InvalidKeyError(`${kind} "${name}" may only hold letters, digits, "_", "-" and "."`);
  }
}

/**
 * Validates a cache key: a non-empty string of at most `maxLength` UTF-8 bytes.
 * @throws InvalidKeyError
 */
export function assertKey(key: unknown, maxLength: number): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(`key must be a string, got ${key === null ? 'null' : typeof key}`);
  }
  if (key.length === 0) throw new InvalidKeyError('key must not be empty');
  // Fast path: a string of n UTF-16 units needs at most 3n bytes.
  if (key.length * 3 > maxLength && Buffer.byteLength(key) > maxLength) {
    throw new InvalidKeyError(`key is longer than ${maxLength} bytes`);
  }
}

/** Creates a key schema. @throws InvalidOptionError / InvalidKeyError for bad options. */
export function createKeySchema(options: KeySchemaOptions): KeySchema {
  assertName('prefix', options.prefix);
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidOptionError('version', 'must be an integer >= 1');
  }
  const maxLength = options.maxLength ?? 512;
  if (!Number.isInteger(maxLength) || maxLength < 16) {
    throw new InvalidOptionError('maxLength', 'must be an integer >= 16');
  }
  const head = `${options.prefix}${SEPARATOR}v${version}${SEPARATOR}`;
  return {
    prefix: options.prefix,
    version,
    maxLength,
    key(parts: KeyParts): string {
      assertName('namespace', parts.namespace);
      assertName('entity', parts.entity);
      const id = typeof parts.id === 'number' ? String(parts.id) : parts.id;
      if (typeof id !== 'string' || id.length === 0) {
        throw new InvalidKeyError('id must be a non-empty string or a number');
      }
      if (typeof parts.id === 'number' && !Number.isFinite(parts.id)) {
        throw new InvalidKeyError('id must be a finite number');
      }
      const key = `${head}${parts.namespace}${SEPARATOR}${parts.entity}${SEPARATOR}${escapeKeyPart(id)}`;
      assertKey(key, maxLength);
      return key;
    },
    parse(key: string): KeyParts & { version: number } {
      assertKey(key, maxLength);
      const parts = key.split(SEPARATOR);
      if (parts.length !== 5 || parts[0] !== options.prefix || !/^v\d+$/.test(parts[1]!)) {
        throw new InvalidKeyError(
          `key "${key}" does not follow schema ${head}<namespace>:<entity>:<id>`,
        );
      }
      return {
        version: Number(parts[1]!.slice(1)),
        namespace: parts[2]!,
        entity: parts[3]!,
        id: unescapeKeyPart(parts[4]!),
      };
    },
    owns(key: string): boolean {
      return typeof key === 'string' && key.startsWith(head);
    },
  };
}
