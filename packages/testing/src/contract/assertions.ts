import { AssertionError } from 'node:assert';

/**
 * Assertions of the contract suite. They throw node's `AssertionError` (shown with a diff
 * by vitest and by node:test) with a message naming the store call that misbehaved, so the
 * suite needs no `expect` of any runner.
 */

/** Renders a value for a failure message. */
export function show(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16)).join(', ');
    return `Uint8Array(${value.byteLength}) [${head}${value.byteLength > 16 ? ', …' : ''}]`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

function fail(message: string, actual: unknown, expected: unknown, operator: string): never {
  throw new AssertionError({ message, actual, expected, operator });
}

/** `what` resolved to exactly `expected` (`Object.is`). */
export function same<T>(what: string, actual: unknown, expected: T): void {
  if (!Object.is(actual, expected)) {
    fail(
      `${what} gave ${show(actual)}, expected ${show(expected)}`,
      actual,
      expected,
      'strictEqual',
    );
  }
}

/** `what` gave a list equal, item by item (`Object.is`), to `expected`. */
export function sameList(what: string, actual: unknown, expected: readonly unknown[]): void {
  const ok =
    Array.isArray(actual) &&
    actual.length === expected.length &&
    actual.every((item, i) => Object.is(item, expected[i]));
  if (!ok) {
    fail(
      `${what} gave ${show(actual)}, expected ${show(expected)}`,
      actual,
      expected,
      'deepStrictEqual',
    );
  }
}

/** `what` gave exactly the bytes of `expected` (cheap on large payloads). */
export function sameBytes(what: string, actual: unknown, expected: Uint8Array): void {
  if (!(actual instanceof Uint8Array)) {
    fail(`${what} gave ${show(actual)}, expected ${show(expected)}`, actual, expected, 'bytes');
  }
  if (actual.byteLength !== expected.byteLength) {
    fail(
      `${what} gave ${actual.byteLength} bytes, expected ${expected.byteLength}: ${show(actual)}`,
      actual,
      expected,
      'bytes',
    );
  }
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  if (!a.equals(expected)) {
    const at = a.findIndex((byte, i) => byte !== expected[i]);
    fail(
      `${what} gave different bytes (first difference at byte ${at}: ${a[at]} instead of ${expected[at]})`,
      actual,
      expected,
      'bytes',
    );
  }
}

/** `what` gave a number in `(above, atMost]`. */
export function within(what: string, actual: unknown, above: number, atMost: number): void {
  if (typeof actual !== 'number' || !(actual > above && actual <= atMost)) {
    fail(
      `${what} gave ${show(actual)}, expected a number in (${above}, ${atMost}]`,
      actual,
      `(${above}, ${atMost}]`,
      'within',
    );
  }
}

/** `what` gave a value of type `type`. */
export function ofType(what: string, actual: unknown, type: 'string' | 'number'): void {
  if (typeof actual !== type) {
    fail(`${what} gave ${show(actual)}, expected a ${type}`, actual, type, 'typeof');
  }
}

/**
 * Calls `call`, which must return a promise that rejects (a store never throws
 * synchronously) with an error whose `code` is `code`.
 */
export async function rejectsWithCode(
  what: string,
  call: () => Promise<unknown>,
  code: string,
): Promise<void> {
  let pending: Promise<unknown>;
  try {
    pending = call();
  } catch (error) {
    fail(
      `${what} threw synchronously (${show(error)}); a store must return a rejected promise with code ${code}`,
      error,
      code,
      'rejects',
    );
  }
  let result: unknown;
  try {
    result = await pending;
  } catch (error) {
    const actual = (error as { code?: unknown } | null)?.code;
    if (!(error instanceof Error) || actual !== code) {
      fail(
        `${what} rejected with ${show(error)}${actual === undefined ? ' (no code)' : ` (code ${show(actual)})`}, expected an error with code ${code}`,
        actual,
        code,
        'rejects',
      );
    }
    return;
  }
  fail(
    `${what} resolved ${show(result)}, expected a rejection with code ${code}`,
    result,
    code,
    'rejects',
  );
}
