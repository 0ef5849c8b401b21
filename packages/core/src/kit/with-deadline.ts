import { type Clock, systemClock } from '../contracts/clock.js';
import { TimeoutError } from '../contracts/errors.js';

/**
 * Resolves like `promise`, or rejects with {@link TimeoutError} after `ms` on `clock`.
 * The timer is cleared as soon as the promise settles and never keeps the process alive.
 * A non-finite or non-positive `ms` means no deadline: `promise` is returned as is.
 *
 * @param clock - The clock whose timer enforces the deadline.
 * @defaultValue clock: `systemClock`
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  clock: Clock = systemClock,
): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new TimeoutError(`${what} did not finish within ${ms}ms`, ms));
    }, ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
