/**
 * A fresh project that installs packed tarballs offline, with exactly the dependency
 * versions the repository's own lock file tested.
 *
 * `npm install --offline` alone cannot resolve a range (`zod@^4`) without the registry's
 * package documents, which `npm ci` never fetched; what the cache does hold is every tarball
 * `npm ci` installed. So the project gets a package-lock.json made from the repository's:
 * the tarballs' dependencies and theirs, at the same places in the tree, each with its
 * integrity and tarball URL; `npm ci --offline` then reads every package from the cache.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface PackedPackage {
  /** The .tgz file. */
  tarball: string;
  name: string;
  version: string;
  dependencies: Record<string, string>;
  bin?: Record<string, string>;
}

/** Where node would find `dep` from a package installed at `from` (`node_modules/a/node_modules/b`), in the lock's tree. */
function locate(packages: Record<string, LockEntry>, from: string, dep: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${dep}` : `${dir}/node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return null;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

/** The registry's tarball URL of `name@version` (the key under which `npm ci` cached it). */
function tarballUrl(registry: string, name: string, version: string): string {
  return `${registry.replace(/\/?$/, '/')}${name}/-/${basename(name)}-${version}.tgz`;
}

/**
 * Writes `dir`/package.json and package-lock.json for `packed` (installed from their
 * tarballs), with every dependency taken from `rootLock` (the repository's lock file).
 */
export function writeOfflineProject(dir: string, packed: PackedPackage[], rootLock: string): void {
  const lock = JSON.parse(readFileSync(rootLock, 'utf8')) as { packages: Record<string, LockEntry> };
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  const out: Record<string, LockEntry> = {};
  const rootDeps: Record<string, string> = {};
  const queue: Array<{ at: string; deps: Record<string, string>; optional: Record<string, string> }> = [];

  for (const p of packed) {
    const spec = `file:${relative(dir, p.tarball)}`;
    rootDeps[p.name] = spec;
    const integrity = `sha512-${createHash('sha512').update(readFileSync(p.tarball)).digest('base64')}`;
    out[`node_modules/${p.name}`] = { version: p.version, resolved: spec, integrity, dependencies: p.dependencies, ...(p.bin ? { bin: p.bin } : {}) };
    queue.push({ at: `node_modules/${p.name}`, deps: p.dependencies, optional: {} });
  }
  while (queue.length > 0) {
    const { at, deps, optional } = queue.shift()!;
    for (const [dep, isOptional] of [...Object.keys(deps).map((d) => [d, false] as const), ...Object.keys(optional).map((d) => [d, true] as const)]) {
      // A dependency the tarballs' own entries name first is looked up from the repository's root.
      const found = locate(lock.packages, at.startsWith('node_modules/@ringlet/') ? '' : at, dep);
      if (found === null) {
        if (isOptional) continue;
        throw new Error(`${dep} (needed by ${at}) is not in the repository's lock file`);
      }
      if (out[found]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[found]!;
      out[found] = { ...entry, resolved: tarballUrl(registry, found.slice(found.lastIndexOf('node_modules/') + 'node_modules/'.length), entry.version!) };
      const peers = Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([d]) => entry.peerDependenciesMeta?.[d]?.optional !== true));
      queue.push({ at: found, deps: { ...entry.dependencies, ...peers }, optional: entry.optionalDependencies ?? {} });
    }
  }
  const manifest = { name: 'ringlet-consumer', version: '1.0.0', private: true, type: 'module', dependencies: rootDeps };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const projectLock = { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': { name: manifest.name, version: manifest.version, dependencies: rootDeps }, ...out } };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(projectLock, null, 2)}\n`);
}
