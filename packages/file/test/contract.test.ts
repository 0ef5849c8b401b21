import { runStoreContract } from '@cachestack/test-suite';
import { fileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

runStoreContract('file (durability full)', async () => {
  const dir = await tempDir();
  const store = fileStore({ dir: dir.path });
  return {
    store,
    async cleanup() {
      await store.close();
      await dir.remove();
    },
  };
});

runStoreContract('file (durability none, one directory level)', async () => {
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
