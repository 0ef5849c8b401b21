import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'testing',
    include: ['test/**/*.test.ts'],
    // Some tests run the contract suite in a child vitest or node:test process.
    testTimeout: 60_000,
  },
});
