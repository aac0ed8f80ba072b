/**
 * `npm run build:packages`: compiles the installable packages from src with plain tsc
 * (the repository's own compiler, pinned by the lock file), one output file per source file.
 *
 *   packages/sdk     @ringlet/sdk: src/sdk and the parts of src/protocol it imports
 *                    (entries `@ringlet/sdk` and `@ringlet/sdk/tencent`)
 *   packages/server  @ringlet/server: every file of src/server (not only those reachable from
 *                    the entries, so that a worker entry exists beside its caller once
 *                    compiled; files other than .ts are copied as they are) and the
 *                    protocol; the `ringlet-server` bin
 *
 * A worker entry is referenced with its caller's own extension, which is .ts under tsx and
 * .js once compiled (tsc rewrites import specifiers, not the strings given to `new URL`):
 *   new Worker(new URL(`./writer${extname(fileURLToPath(import.meta.url))}`, import.meta.url))
 * The build fails on a compiled `new URL('….ts', import.meta.url)`, which would name a file
 * the package does not have.
 *
 * Relative `.ts` imports become `.js` (tsc's rewriteRelativeImportExtensions; the
 * declarations are rewritten here the same way). The build fails when compiled code imports
 * a package that the package's manifest does not list, or when a manifest's version or
 * dependency ranges drift from the root package.json's.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['sdk', 'server'] as const;
type PackageName = (typeof PACKAGES)[number];
/** Folders of src whose files other than .ts (data, plain .js) each package carries as they are. */
const COPIED: Record<PackageName, string[]> = { sdk: [], server: ['server'] };

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const readJson = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest;

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** `from '…'`, `import('…')` and `import '…'` specifiers of one compiled file (comments left out). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"\s]+)['"]/g)) out.push(m[1]!);
  return out;
}

/** The package a bare specifier names (`zod/mini` → zod, `@scope/x/y` → @scope/x), or null for relative and Node built-in ones. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function build(name: PackageName): void {
  const dir = join(ROOT, 'packages', name);
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  for (const folder of COPIED[name]) {
    const from = join(ROOT, 'src', folder);
    if (!existsSync(from)) continue;
    for (const file of filesUnder(from)) {
      if (file.endsWith('.ts')) continue;
      const to = join(dist, relative(join(ROOT, 'src'), file));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(file, to);
    }
  }

  const manifest = readJson(join(dir, 'package.json'));
  const root = readJson(join(ROOT, 'package.json'));
  const problems: string[] = [];
  if (manifest.version !== root.version) problems.push(`version ${manifest.version} is not the root's ${root.version}`);
  const declared = manifest.dependencies ?? {};
  for (const [dep, range] of Object.entries(declared)) {
    if (root.dependencies?.[dep] !== range) problems.push(`dependency ${dep}@${range} is not the root's (${root.dependencies?.[dep] ?? 'absent'})`);
  }
  const used = new Set<string>();
  for (const file of filesUnder(dist)) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.d.ts')) writeFileSync(file, text.replace(/((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
    if (file.endsWith('.js') && /new URL\(\s*[`'"][^`'"]*\.ts[`'"]/.test(text)) {
      problems.push(`${relative(dir, file)} names a .ts file in new URL(…): use the caller's extension (packages/build.ts)`);
    }
    for (const spec of specifiers(text)) {
      const pkg = packageOf(spec);
      if (pkg === null) continue;
      used.add(pkg);
      if (!(pkg in declared)) problems.push(`${relative(dir, file)} imports ${spec}, which ${manifest.name} does not depend on`);
    }
  }
  // pino loads pino-pretty by name as a transport (src/server/log.ts): not an import.
  for (const dep of Object.keys(declared)) if (!used.has(dep) && dep !== 'pino-pretty') problems.push(`${manifest.name} depends on ${dep} but nothing imports it`);
  if (problems.length > 0) throw new Error(`packages/${name}:\n  ${[...new Set(problems)].join('\n  ')}`);
}

const only = process.argv.slice(2);
for (const name of PACKAGES) if (only.length === 0 || only.includes(name)) build(name);
