import { createCache } from '@cachestack/core';
import { redisStore } from '@cachestack/redis';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import keyvTestSuite from '@keyv/test-suite';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { createKeyvStore } from '../src/index.js';

// Keyv's own compliance suite, against a memory-only cache and against L1 + Redis L2.
vitest.describe('@keyv/test-suite on a memory cache', () => {
  const cache = createCache({ namespace: 'keyv-suite' });
  vitest.afterAll(() => cache.close());
  keyvTestSuite(vitest, Keyv, () => createKeyvStore(cache));
});

vitest.describe('@keyv/test-suite on L1 + Redis L2', () => {
  const prefix = uniquePrefix('keyv-suite');
  const client = new Redis(redisUrl());
  const cache = createCache({ namespace: 'keyv-suite', l2: redisStore({ client, prefix }) });
  vitest.afterAll(async () => {
    await cache.close();
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });
  keyvTestSuite(vitest, Keyv, () => createKeyvStore(cache));
});
