import { defineConfig } from 'vitest/config';

/**
 * One `npm test` runs every project: pure unit tests, the integration suite against a
 * real server, the independent conformance suite, the extension's unit tests (WXT's fake
 * browser) and the end-to-end tests in real browsers.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      'test/extension/vitest.config.ts',
      'test/e2e/vitest.config.ts',
    ],
  },
});
