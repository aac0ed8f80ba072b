/**
 * The project's import graph as TypeScript reads it (static, dynamic and type-only imports
 * and re-exports alike), and the checks test/unit/layering.test.ts holds it to: imports
 * between parts of a layering spec (docs/layers/*.json) only along its arrows and never
 * along a never, no cycle, and only the listed packages in the parts that must run anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** Relative imports, file → file (paths from the project root, with `/`). */
  edges: Array<[from: string, to: string]>;
  /** Package imports, file → bare specifier. */
  packages: Array<[from: string, specifier: string]>;
}

/** A layering spec: parts (files or folders), the arrows allowed between them, and what must never be. */
export interface LayerSpec {
  parts: Record<string, { is: string[] }>;
  arrows: Array<[string, string, string?]>;
  never: Array<[string, string, string]>;
}

/** Every .ts/.tsx file below `dirs` and what it imports. */
export function importGraph(root: string, dirs: readonly string[]): ImportGraph {
  const graph: ImportGraph = { edges: [], packages: [] };
  for (const file of dirs.flatMap((d) => sources(join(root, d)))) {
    const from = posix(relative(root, file));
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) graph.edges.push([from, posix(relative(root, resolve(dirname(file), fileName)))]);
      else graph.packages.push([from, fileName]);
    }
  }
  return graph;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const posix = (p: string) => p.split('\\').join('/');

/** The part a file belongs to: the one whose file or folder names it most closely. */
export function partOf(spec: LayerSpec, file: string): string | null {
  let best: { part: string; len: number } | null = null;
  for (const [part, { is }] of Object.entries(spec.parts)) {
    for (const p of is) {
      const hit = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (hit && (!best || p.length > best.len)) best = { part, len: p.length };
    }
  }
  return best?.part ?? null;
}

/** Imports between two parts that are no arrow of the spec, or a never (with its reason). */
export function layerViolations(spec: LayerSpec, edges: ImportGraph['edges']): string[] {
  const arrows = new Set(spec.arrows.map(([a, b]) => `${a}>${b}`));
  const never = new Map(spec.never.map(([a, b, why]) => [`${a}>${b}`, why]));
  const out: string[] = [];
  for (const [from, to] of edges) {
    const a = partOf(spec, from);
    const b = partOf(spec, to);
    if (!a || !b || a === b) continue;
    const why = never.get(`${a}>${b}`);
    if (why !== undefined) out.push(`${from} -> ${to}: never ${a} -> ${b} (${why})`);
    else if (!arrows.has(`${a}>${b}`)) out.push(`${from} -> ${to}: ${a} -> ${b} is not an arrow of the layering`);
  }
  return out;
}

/** Every import cycle (strongly connected component of more than one file, or a file importing itself). */
export function cycles(edges: ImportGraph['edges']): string[][] {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  // Tarjan's algorithm, iteratively (no recursion limit on long chains).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = next.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        if (scc.length > 1 || succ.includes(top.node)) found.push(scc.sort());
      }
    }
  }
  return found;
}

/** Package imports of files in `part` that are not among `allowed`. */
export function packageViolations(spec: LayerSpec, packages: ImportGraph['packages'], part: string, allowed: readonly string[]): string[] {
  return packages.filter(([from, spec_]) => partOf(spec, from) === part && !allowed.includes(spec_)).map(([from, p]) => `${from} imports ${p}`);
}
