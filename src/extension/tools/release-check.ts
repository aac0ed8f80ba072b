/**
 * What a release archive must not hold (tools/release.ts runs it on every zip it makes,
 * and a test runs it again): a path of the machine that built it, and development-only
 * code (Preact's development JSX transform, which passes each element's source file,
 * line and column; its devtools hook names; source maps).
 */

/** A finding: which file of the archive, and what was found there. */
export interface ReleaseFinding {
  file: string;
  found: string;
}

const DEVELOPMENT_ONLY: Array<[RegExp, string]> = [
  [/\blineNumber\b/, 'lineNumber (development JSX)'],
  [/\bcolumnNumber\b/, 'columnNumber (development JSX)'],
  [/\bjsxDEV\b/, 'jsxDEV (development JSX)'],
  [/\baddHookName\b/, 'addHookName (Preact devtools)'],
  [/preact\/debug|preact\/devtools/, 'Preact debug/devtools'],
  [/sourceMappingURL=/, 'a source map reference'],
];

/** Absolute paths of a build machine: POSIX home and work folders, Windows drives, file: URLs. */
const ABSOLUTE_PATH = /(?:^|[\s"'`(=,:])(\/(?:home|root|work|tmp|Users|builds?|srv|opt|var\/lib)\/[\w.@-]+\/|[A-Za-z]:\\\\?[\w.@-]+\\|file:\/\/\/)/;

/** Findings in one text file of an extension archive; `root` (the repository's folder) is a path too. */
export function scanReleaseFile(file: string, text: string, root: string): ReleaseFinding[] {
  const findings: ReleaseFinding[] = [];
  const abs = ABSOLUTE_PATH.exec(text);
  if (abs) findings.push({ file, found: `absolute path ${abs[1]}` });
  else if (root && text.includes(root)) findings.push({ file, found: `absolute path ${root}` });
  if (/\.(js|mjs|html)$/.test(file)) {
    for (const [re, what] of DEVELOPMENT_ONLY) if (re.test(text)) findings.push({ file, found: what });
  }
  return findings;
}
