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
  // vitest sets NODE_ENV=test, which Vite would take for a development build (Preact's
  // development JSX, with source paths): the tests run what ships, a production build.
  const opts = { cwd: root, stdio: 'pipe' as const, env: { ...process.env, NODE_ENV: 'production' } };
  execFileSync(process.execPath, [...wxt, 'build'], opts);
  execFileSync(process.execPath, [...wxt, 'build', '-b', 'firefox', '--mv3'], opts);
  process.env.RINGLET_E2E_SKIP_BUILD = '1';
}
