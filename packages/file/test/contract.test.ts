import { fakeClock } from '@cachestack/testing';
import { describeStoreContract } from '@cachestack/testing/vitest';
import { fileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const clock = fakeClock({ now: Date.now() });

describeStoreContract(
  'file (durability full)',
  async () => {
    const dir = await tempDir();
    const store = fileStore({ dir: dir.path, now: clock.now });
    return {
      store,
      async cleanup() {
        await store.close();
        await dir.remove();
      },
    };
  },
  { advanceTime: (ms) => clock.advance(ms) },
);

// The system clock: expiry observed in real time, as the store runs in production.
describeStoreContract('file (durability none, one directory level)', async () => {
  const dir = await tempDir();
  const store = fileStore({ dir: dir.path, durability: 'none', fanOut: [16] });
  return {
    store,
    async cleanup() {
      await store.close();
      await dir.remove();
    },
  };
});
