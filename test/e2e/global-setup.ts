/**
 * Builds the extension once for the whole e2e run (`wxt build` for Chrome MV3 and
 * `wxt build -b firefox --mv3`), into .output/ as a developer would. Both e2e projects
 * (e2e, e2e-wake) name this setup; vitest runs each project's global setup in its own
 * main process, one after another, so the second one finds the build done and skips it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): void {
  if (process.env.RINGLET_E2E_SKIP_BUILD === '1') return;
  const wxt = [root + 'node_modules/wxt/bin/wxt.mjs'];
  execFileSync(process.execPath, [...wxt, 'build'], { cwd: root, stdio: 'pipe' });
  execFileSync(process.execPath, [...wxt, 'build', '-b', 'firefox', '--mv3'], { cwd: root, stdio: 'pipe' });
  process.env.RINGLET_E2E_SKIP_BUILD = '1';
}
