import { defineProject } from 'vitest/config';
import { E2E_BASE, WAKE_FILES } from './vitest.config.ts';

/**
 * The e2e wake-up files (see WAKE_FILES): they mostly wait, so they share the first group
 * of workers with the unit and integration projects (the root config gives it one worker
 * more than there are cores) rather than queueing behind the other browser files.
 */
export default defineProject({
  root: E2E_BASE.root,
  test: {
    ...E2E_BASE,
    name: 'e2e-wake',
    include: WAKE_FILES,
  },
});
