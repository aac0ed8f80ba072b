/**
 * `npm run release` as a maintainer runs it: versioned zips for Chrome and Firefox and the
 * sources archive in release/, from a production build. The script itself fails on a
 * `web-ext lint` finding, an oversized content script, a build-machine path or development
 * code in a zip; this test checks the archives again independently: the version is
 * package.json's, the Chrome zip carries no development key, no zip holds an absolute path
 * or development-only code, and the sources archive holds what rebuilds the extension and
 * not the server. In the e2e project (one file at a time): it builds twice (about 90 s).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanReleaseFile } from '../../src/extension/tools/release-check.ts';
import { ROOT } from './helpers.ts';

const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const unzip = (args: string[]) => execFileSync('unzip', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('npm run release', () => {
  it('builds versioned, production archives for both stores and the sources', () => {
    const out = execFileSync('npm', ['run', '-s', 'release'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
    expect(out).toContain('web-ext lint clean');
    const zips = ['chrome', 'firefox', 'sources'].map((k) => `release/${name}-${version}-${k}.zip`);
    for (const browserZip of zips.slice(0, 2)) {
      const files = unzip(['-Z1', browserZip]).split('\n').filter(Boolean);
      const manifest = JSON.parse(unzip(['-p', browserZip, 'manifest.json'])) as { version: string; key?: string };
      expect(manifest.version).toBe(version);
      expect(manifest.key).toBeUndefined();
      expect(files).toContain('options.html');
      const findings = files.filter((f) => /\.(js|html|json|css)$/.test(f)).flatMap((f) => scanReleaseFile(f, unzip(['-p', browserZip, f]), ROOT));
      expect(findings).toEqual([]);
    }
    const sources = unzip(['-Z1', zips[2]!]).split('\n').filter(Boolean);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'wxt.config.ts', 'entrypoints/background.ts', 'src/extension/tools/release.ts', 'docs/DEPLOY.md']));
    expect(sources.filter((f) => /^(src\/server|test|bench|node_modules|\.output|release)\//.test(f))).toEqual([]);
  }, 300_000);
});
