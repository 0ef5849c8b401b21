import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'keyv',
    include: ['test/**/*.test.ts'],
  },
});
