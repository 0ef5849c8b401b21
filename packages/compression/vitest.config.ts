import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'compression',
    include: ['test/**/*.test.ts'],
  },
});
