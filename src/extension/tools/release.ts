/**
 * `npm run release`: the extension as the stores take it, versioned from package.json, in
 * release/: ringlet-<version>-chrome.zip (Chrome Web Store), ringlet-<version>-firefox.zip
 * (Firefox Add-ons) and ringlet-<version>-sources.zip (the sources Mozilla's reviewers
 * rebuild it from: `npm ci && npm run release`). A production build (NODE_ENV=production:
 * no development JSX), without the development key (the stores assign the id); `web-ext
 * lint` must find nothing, the content script must stay within its size, and no archive may
 * hold a build-machine path or development-only code (release-check.ts). Prints the files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { contentScriptSizes } from './content-size.ts';
import { scanReleaseFile, type ReleaseFinding } from './release-check.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = 'release';
const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

function fail(message: string): never {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}

function run(cmd: string, args: string[]): string {
  const env = { ...process.env, CI: 'true', NODE_ENV: 'production', RINGLET_RELEASE: '1', RINGLET_OUT_DIR: OUT };
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Text entries of a zip (unzip, as Debian ships it), except node_modules in the sources. */
function zipTexts(zip: string): Array<{ file: string; text: string }> {
  const list = run('unzip', ['-Z1', zip]).split('\n').filter((f) => f && !f.endsWith('/'));
  return list
    .filter((f) => /\.(js|mjs|html|json|css|ts|tsx|md)$/.test(f))
    .map((file) => ({ file, text: run('unzip', ['-p', zip, file]) }));
}

rmSync(join(ROOT, OUT), { recursive: true, force: true });
run('npx', ['wxt', 'zip']);
run('npx', ['wxt', 'zip', '-b', 'firefox', '--mv3']);

const zips = {
  chrome: join(OUT, `${name}-${version}-chrome.zip`),
  firefox: join(OUT, `${name}-${version}-firefox.zip`),
  sources: join(OUT, `${name}-${version}-sources.zip`),
};
for (const zip of Object.values(zips)) if (!existsSync(join(ROOT, zip))) fail(`${zip} was not made`);

// web-ext lint: no errors, no warnings, no notices.
const lint = JSON.parse(run('npx', ['web-ext', 'lint', '-s', join(OUT, 'firefox-mv3'), '--output', 'json'])) as { count: number; errors: unknown[]; warnings: unknown[]; notices: unknown[] };
if (lint.count !== 0) fail(`web-ext lint found ${lint.count} problem(s):\n${JSON.stringify([...lint.errors, ...lint.warnings, ...lint.notices], null, 2)}`);

for (const { file, gzip, limit } of contentScriptSizes([join(ROOT, OUT, 'chrome-mv3'), join(ROOT, OUT, 'firefox-mv3')])) {
  if (gzip > limit) fail(`content script ${file} is ${gzip} bytes gzipped; the limit is ${limit}`);
}

const findings: ReleaseFinding[] = [];
for (const zip of [zips.chrome, zips.firefox]) {
  for (const { file, text } of zipTexts(zip)) findings.push(...scanReleaseFile(`${zip}:${file}`, text, ROOT));
}
// The sources are the repository's own files (its docs name deployment paths such as
// /var/lib/ringlet): only this machine's checkout path must not be in them.
for (const { file, text } of zipTexts(zips.sources)) {
  if (text.includes(ROOT)) findings.push({ file: `${zips.sources}:${file}`, found: `absolute path ${ROOT}` });
}
if (findings.length) fail(`the archives hold what a release must not:\n${findings.map((f) => `  ${f.file}: ${f.found}`).join('\n')}`);

process.stdout.write(`${name} ${version}: ${Object.values(zips).join(', ')} (web-ext lint clean)\n`);
