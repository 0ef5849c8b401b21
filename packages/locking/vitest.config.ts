import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'locking',
    include: ['test/**/*.test.ts'],
  },
});
