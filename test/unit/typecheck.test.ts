import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/**
 * The op contract holds only if the project compiles: a handler or SDK method answering
 * the wrong shape, or an op without one, is a type error (test/types/contract.ts proves the
 * checks bite). `npm test` is what CI runs, so it type-checks the whole project here.
 */
describe('the project', () => {
  it('type-checks, the contract\'s type tests included', async () => {
    const run = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', root], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
      () => ({ ok: true, out: '' }),
      (err: { stdout?: string }) => ({ ok: false, out: err.stdout ?? String(err) }),
    );
    expect(run.out).toBe('');
    expect(run.ok).toBe(true);
  }, 180_000);
});
