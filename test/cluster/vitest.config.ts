import { defineConfig } from 'vitest/config';

/**
 * The cluster suite: node processes on PostgreSQL + Redis. Files run one at a time
 * (one of them restarts the local Redis).
 */
export default defineConfig({
  test: {
    name: 'cluster',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/cluster/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
