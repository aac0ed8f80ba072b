import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/**
 * The packages as installed elsewhere (packages.test.ts): one file that builds, packs and
 * installs both packages once, then uses them in Node, tsc, esbuild and Chromium.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineProject({
  root,
  test: {
    name: 'packages',
    root,
    include: ['test/packages/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
