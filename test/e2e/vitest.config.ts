import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The wake-up files: most of their minutes are spent waiting on timers (Firefox's idle
 * timeout, Chromium's keep-alive alarm, a 2-minute network outage) with one browser
 * open. They are the `e2e-wake` project (vitest.wake.config.ts), which runs beside the
 * unit and integration projects instead of in the one-at-a-time queue below.
 */
export const WAKE_FILES = ['test/e2e/chrome-wake.test.ts', 'test/e2e/firefox-wake.test.ts'];

/** What both e2e projects share: the built extension (global setup) and browser-sized timeouts. */
export const E2E_BASE = {
  root,
  globalSetup: ['test/e2e/global-setup.ts'],
  testTimeout: 90_000,
  hookTimeout: 180_000,
  pool: 'forks' as const,
};

/**
 * End-to-end tests in real browsers with the built extension. The global setup builds
 * the Chrome and Firefox outputs once; each file starts one server and its browsers.
 * Files run one after another: two Chromium profiles per file are what 2 cores carry.
 */
export default defineProject({
  root,
  test: {
    ...E2E_BASE,
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    exclude: WAKE_FILES,
    fileParallelism: false,
  },
});
