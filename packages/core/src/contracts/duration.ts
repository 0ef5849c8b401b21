import { InvalidOptionError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'5s'`, `'5m'`, `'1h'`, `'1d'`. */
export type Duration = number | string;

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?\s*$/i;

/**
 * Converts a {@link Duration} to milliseconds.
 * @throws InvalidOptionError for negative, NaN, infinite or unparsable input.
 */
export function toMs(option: string, value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(option, `expected a finite duration >= 0, got ${value}`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw new InvalidOptionError(
      option,
      `expected a number of ms or a string like '5m', got ${typeof value}`,
    );
  }
  const match = DURATION_RE.exec(value);
  if (!match) throw new InvalidOptionError(option, `cannot parse duration "${value}"`);
  const unit = (match[2] ?? 'ms').toLowerCase();
  return Math.round(Number(match[1]) * (UNITS[unit] ?? 1));
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

const BYTES_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i;

/** A byte size: a number of bytes or a string such as `'64mb'`, `'512kb'`. */
export type ByteSize = number | string;

/**
 * Converts a {@link ByteSize} to bytes.
 * @throws InvalidOptionError for negative, NaN or unparsable input.
 */
export function toBytes(option: string, value: ByteSize): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(option, `expected a finite size >= 0, got ${value}`);
    }
    return Math.floor(value);
  }
  if (typeof value !== 'string') {
    throw new InvalidOptionError(option, `expected a number of bytes or a string like '64mb'`);
  }
  const match = BYTES_RE.exec(value);
  if (!match) throw new InvalidOptionError(option, `cannot parse byte size "${value}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  return Math.floor(Number(match[1]) * (BYTE_UNITS[unit] ?? 1));
}
