import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    // Projects do not inherit the root's timeouts; CI runs on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
