/**
 * The release check (src/extension/tools/release-check.ts) flags what a development build
 * leaves in a bundle: Preact's development JSX (source file, line and column per element,
 * with the build machine's path) and hook names; and any absolute path of the machine.
 */
import { describe, expect, it } from 'vitest';
import { scanReleaseFile } from '../../src/extension/tools/release-check.ts';

describe('release check', () => {
  it('flags the development JSX transform and the path it carries', () => {
    const dev = 'return X(`span`,{class:`avatar`},void 0,!1,{fileName:`/work/x/src/extension/ui/components/Avatar.tsx`,lineNumber:12,columnNumber:5},this)';
    expect(scanReleaseFile('chunks/styles.js', dev, '/work/x').map((f) => f.found)).toEqual([
      'absolute path /work/x/',
      'lineNumber (development JSX)',
      'columnNumber (development JSX)',
    ]);
    expect(scanReleaseFile('chunks/a.js', 'n(t(null),`ref`);addHookName(x)', '/r').map((f) => f.found)).toEqual(['addHookName (Preact devtools)']);
    expect(scanReleaseFile('chunks/a.js', '//# sourceMappingURL=a.js.map', '/r').map((f) => f.found)).toEqual(['a source map reference']);
  });

  it('flags other machines\' paths, and passes production code', () => {
    expect(scanReleaseFile('x.json', '{"p":"/home/builder/ringlet/src"}', '/nowhere')).toHaveLength(1);
    expect(scanReleaseFile('x.js', 'const p="C:\\\\Users\\\\me\\\\ringlet"', '/nowhere')).toHaveLength(1);
    expect(scanReleaseFile('x.js', 'fetch(`${base}/api/login`);new WebSocket(`wss://h/janus`)', '/work/x')).toEqual([]);
    // Preact's production jsx() takes __source/__self arguments and ignores them: not development code.
    expect(scanReleaseFile('x.js', 'var u={type:e,props:l,__source:i,__self:a}', '/work/x')).toEqual([]);
  });
});
