import { InvalidOptionError } from '@cachestack/core';
import type { Meter } from '@opentelemetry/api';

/** Throws unless `meter` looks like an OpenTelemetry `Meter`. */
export function assertMeter(meter: unknown): asserts meter is Meter {
  const m = meter as Meter | undefined;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.createCounter !== 'function' ||
    typeof m.createHistogram !== 'function' ||
    typeof m.addBatchObservableCallback !== 'function'
  ) {
    throw new InvalidOptionError('meter', 'expected an OpenTelemetry Meter');
  }
}

/** Throws unless `value` is an object (or undefined when optional). */
export function assertObject(name: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(name, 'expected an object');
  }
}

/** A finite number within [min, max], or the default when undefined. */
export function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(
      name,
      `expected a number in [${min}, ${max === Number.POSITIVE_INFINITY ? '∞' : max}]`,
    );
  }
  return value;
}

/** A function, or the default when undefined. */
export function functionOption<F>(name: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new InvalidOptionError(name, 'must be a function');
  return value as F;
}
