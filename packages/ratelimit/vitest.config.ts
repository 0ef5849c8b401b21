import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'ratelimit',
    include: ['test/**/*.test.ts'],
    // Real Redis (and Redis Cluster processes) on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
