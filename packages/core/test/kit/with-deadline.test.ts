import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/contracts/errors.js';
import { withDeadline } from '../../src/kit/index.js';

describe('withDeadline', () => {
  it('rejects with a TimeoutError when the clock passes the deadline first', async () => {
    expect.assertions(2);
    const clock = fakeClock();
    const call = withDeadline(new Promise<never>(() => {}), 50, 'SUBSCRIBE', clock);
    clock.advance(50);
    await call.catch((error: unknown) => {
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('SUBSCRIBE did not finish within 50ms');
    });
  });

  it('resolves with the value and cancels its timer when the promise settles first', async () => {
    const clock = fakeClock();
    await expect(withDeadline(Promise.resolve('ok'), 50, 'get', clock)).resolves.toBe('ok');
    expect(clock.pending).toBe(0);
  });
});
