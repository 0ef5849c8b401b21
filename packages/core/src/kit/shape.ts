import { InvalidOptionError } from '../contracts/errors.js';

/** The members an option's value must have, each with its `typeof`. */
export type Shape = Readonly<Record<string, 'function' | 'string' | 'number' | 'object'>>;

/** How a wrong option value reads in an error message (`null`, `an array`, `number 5`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Checks that an option's value is an object with the members of `shape` (own or
 * inherited), so a wrong value fails at construction, naming the option and what is
 * missing, rather than later inside a call.
 * @param what - what was expected, e.g. `'a Bus (e.g. redisBus from @cachestack/coherency)'`
 * @throws InvalidOptionError naming `option`
 */
export function assertShape(option: string, value: unknown, shape: Shape, what: string): void {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError(option, `expected ${what}, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  const missing = Object.entries(shape)
    .filter(([member, type]) => typeof record[member] !== type || record[member] === null)
    .map(([member, type]) => `${member} (${type})`);
  if (missing.length > 0) {
    throw new InvalidOptionError(
      option,
      `expected ${what}; missing or wrong: ${missing.join(', ')}`,
    );
  }
}
