import { vi } from 'vitest';

/**
 * `vi.waitFor` with a bound for a loaded machine. Its default (1 s) suits a fast idle one;
 * CI is 2 shared cores with three test workers, and a bound is a hang guard, never how a
 * test asserts speed.
 */
export function settled<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: 10_000 });
}
