import type { RemoteStore } from '@cachestack/core';
import { rejectsWithCode } from './assertions.js';
import { text } from './bytes.js';
import type { ContractContext } from './context.js';

const CLOSED = 'CACHESTACK_CLOSED';

/** After `close()` (idempotent) every operation rejects with `CACHESTACK_CLOSED`. */
export function closeTests({ it, fresh }: ContractContext): void {
  it('rejects every operation with CACHESTACK_CLOSED after close, and close is idempotent', async () => {
    const own = await fresh();
    const s: RemoteStore = own.store;
    const value = () => text('v');
    try {
      await s.set('closing', 'k', value(), { ttlMs: 60_000 });
      await s.close();
      await s.close();
      await rejectsWithCode("get('closing', 'k') after close", () => s.get('closing', 'k'), CLOSED);
      await rejectsWithCode('getMany after close', () => s.getMany('closing', ['k']), CLOSED);
      await rejectsWithCode(
        'getWithFence after close',
        () => s.getWithFence('closing', 'k'),
        CLOSED,
      );
      await rejectsWithCode(
        'getManyWithFence after close',
        () => s.getManyWithFence('closing', ['k']),
        CLOSED,
      );
      await rejectsWithCode(
        'set after close',
        () => s.set('closing', 'k', value(), { ttlMs: 1000 }),
        CLOSED,
      );
      await rejectsWithCode(
        'setMany after close',
        () => s.setMany('closing', [{ key: 'k', value: value(), ttlMs: 1000 }]),
        CLOSED,
      );
      await rejectsWithCode('has after close', () => s.has('closing', 'k'), CLOSED);
      await rejectsWithCode('ttl after close', () => s.ttl('closing', 'k'), CLOSED);
      await rejectsWithCode('delete after close', () => s.delete('closing', 'k'), CLOSED);
      await rejectsWithCode('deleteMany after close', () => s.deleteMany('closing', ['k']), CLOSED);
      await rejectsWithCode(
        'deleteByTag after close',
        () => s.deleteByTag('closing', ['t']),
        CLOSED,
      );
      await rejectsWithCode('clear after close', () => s.clear('closing'), CLOSED);
    } finally {
      await own.cleanup();
    }
  });
}
