import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'coherency',
    include: ['test/**/*.test.ts'],
  },
});
