import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * End-to-end tests in real browsers with the built extension. The global setup builds
 * the Chrome and Firefox outputs once; each file starts one server and its browsers.
 * Files run one after another: two Chromium profiles per file are what 2 cores carry.
 */
export default defineProject({
  root,
  test: {
    name: 'e2e',
    root,
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
