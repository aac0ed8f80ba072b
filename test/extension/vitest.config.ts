import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The extension's unit tests: background logic in WXT's in-memory fake browser. */
export default defineProject({
  root,
  plugins: [WxtVitest({ root })],
  test: {
    name: 'extension',
    root,
    include: ['test/extension/**/*.test.ts'],
    environment: 'node',
    // Some files run a real server and phones against it: the root config's reasoning on a
    // loaded machine (vitest's 5 s / 10 s defaults are for a fast idle one).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
