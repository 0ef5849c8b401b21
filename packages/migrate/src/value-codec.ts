/**
 * Default conversions between legacy strings and values. Legacy systems stored JSON
 * text or plain strings; JSON is tried first, and text that is not JSON is returned
 * as the string itself. Pass your own `decode` / `encode` when the legacy format
 * differs (e.g. `decode: (raw) => raw` for strings that may look like JSON).
 */

/** JSON-parses the raw legacy string; returns it unchanged when it is not JSON. */
export function defaultDecode(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `JSON.stringify` of the value (what {@link defaultDecode} reads back). */
export function defaultEncode(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as JSON`);
  return text;
}
