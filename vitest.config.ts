import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    globalSetup: ['./scripts/vitest-redis-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
