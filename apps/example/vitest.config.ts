import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example',
    include: ['test/**/*.test.ts'],
    // PGlite compiles its WebAssembly on start: a few seconds on a busy 2-core machine.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
