/**
 * `npm run build:ext`: builds the Chrome and the Firefox packages and prints nothing
 * unless a build fails (then its whole output, so the cause is on screen).
 */
import { spawnSync } from 'node:child_process';
import { contentScriptSizes } from './content-size.ts';

const builds: { name: string; args: string[] }[] = [
  { name: 'chrome-mv3', args: ['build'] },
  { name: 'firefox-mv3', args: ['build', '-b', 'firefox', '--mv3'] },
];

for (const { name, args } of builds) {
  const run = spawnSync('npx', ['wxt', ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', NODE_ENV: 'production' } });
  if (run.status !== 0) {
    process.stderr.write(`extension build for ${name} failed:\n${run.stdout}${run.stderr}`);
    process.exit(run.status ?? 1);
  }
}
// Every page loads the content script: it must stay small (no zod, no i18n, no framework).
for (const { file, gzip, limit } of contentScriptSizes(builds.map((b) => `.output/${b.name}`))) {
  if (gzip > limit) {
    process.stderr.write(`content script ${file} is ${gzip} bytes gzipped; the limit is ${limit}\n`);
    process.exit(1);
  }
}
if (process.argv.includes('--verbose')) process.stdout.write(`extension built: ${builds.map((b) => `.output/${b.name}`).join(', ')}\n`);
