import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { postgresProjectEnabled } from './test/support/backends.ts';

const integration = ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'];
const slow = { testTimeout: 30_000, hookTimeout: 60_000 };
/**
 * Vitest's defaults (5 s a test, 10 s a hook) are hang guards sized for a fast idle machine;
 * CI is 2 shared cores running three workers. A timeout is never how a test asserts speed.
 */
const loaded = { testTimeout: 20_000, hookTimeout: 30_000 };

/**
 * One `npm test` runs every project: pure unit tests; the integration suite and the
 * independent conformance suite against a real server, once on SQLite and once on
 * PostgreSQL; the cluster suite (node processes on PostgreSQL + Redis); the extension's
 * unit tests (WXT's fake browser); and the end-to-end tests in real browsers.
 * Without a local PostgreSQL/Redis the suites that need them are skipped with a printed
 * reason; with CI=true they are required.
 *
 * Scheduling: the unit, integration, extension and e2e-wake projects share one group of
 * workers, one more than there are cores (vitest's default would be one fewer: a single
 * worker on 2 cores), because the e2e-wake files hold a worker for minutes while mostly
 * waiting on timers. The cluster and e2e projects then run their files one at a time.
 */
export default defineConfig({
  test: {
    maxWorkers: availableParallelism() + 1,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], ...loaded } },
      { test: { name: 'integration', include: integration, ...slow } },
      ...((await postgresProjectEnabled())
        ? [{ test: { name: 'integration-postgres', include: integration, exclude: ['test/integration/cli.test.ts'], env: { RINGLET_TEST_BACKEND: 'postgres' }, ...slow } }]
        : []),
      'test/cluster/vitest.config.ts',
      'test/extension/vitest.config.ts',
      'test/packages/vitest.config.ts',
      'test/e2e/vitest.config.ts',
      'test/e2e/vitest.wake.config.ts',
    ],
  },
});
