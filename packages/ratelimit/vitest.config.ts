import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'ratelimit',
    include: ['test/**/*.test.ts'],
  },
});
