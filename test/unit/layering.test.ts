/**
 * The layering holds in the code: docs/layers/top.json (protocol ← sdk ← extension ←
 * entrypoints; protocol ← server) and docs/layers/server.json (inside the server, imports
 * run downward only). Type-only imports count: a type that runs back up is a design
 * dependency all the same.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, layerViolations, packageViolations, type LayerSpec } from '../support/import-graph.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spec = (name: string): LayerSpec => JSON.parse(readFileSync(new URL(`../../docs/layers/${name}.json`, import.meta.url), 'utf8')) as LayerSpec;
const top = spec('top');
const server = spec('server');
const graph = importGraph(root, ['src', 'entrypoints']);

/** What the protocol and the SDK may import: they run in Node, a worker and a page alike. */
const PORTABLE_PACKAGES = ['zod', 'zod/mini', 'zod/locales'];

describe('the layering', () => {
  it('reads the whole tree (the graph is not empty and every server file has a part)', () => {
    expect(graph.edges.length).toBeGreaterThan(400);
    const serverFiles = new Set(graph.edges.flat().filter((f) => f.startsWith('src/server/')));
    const unplaced = [...serverFiles].filter((f) => !Object.values(server.parts).some(({ is }) => is.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p))));
    expect(unplaced).toEqual([]);
  });

  it('imports between protocol, SDK, server, extension and entrypoints run only along the arrows', () => {
    expect(layerViolations(top, graph.edges)).toEqual([]);
  });

  it('imports inside the server run downward only (store and hub below the services, model at the ground)', () => {
    expect(layerViolations(server, graph.edges)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph.edges)).toEqual([]);
  });

  it('keeps the protocol and the SDK free of Node-only modules', () => {
    expect(packageViolations(top, graph.packages, 'Protocol', PORTABLE_PACKAGES)).toEqual([]);
    expect(packageViolations(top, graph.packages, 'SDK', PORTABLE_PACKAGES)).toEqual([]);
  });

  it('would see an upward import, a never, a cycle and a Node module (the checks bite)', () => {
    expect(layerViolations(server, [['src/server/store/types.ts', 'src/server/signaling/machine.ts']])).toEqual([
      'src/server/store/types.ts -> src/server/signaling/machine.ts: never Store -> Services (the store keeps what services decide; shared records: model/)',
    ]);
    expect(layerViolations(server, [['src/server/outbox.ts', 'src/server/gateway/session.ts']])).toHaveLength(1);
    expect(layerViolations(top, [['src/server/sfu/service.ts', 'src/extension/shared/schema.ts']])).toHaveLength(1);
    expect(cycles([['a.ts', 'b.ts'], ['b.ts', 'c.ts'], ['c.ts', 'a.ts'], ['c.ts', 'd.ts']])).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(packageViolations(top, [['src/sdk/x.ts', 'node:fs']], 'SDK', PORTABLE_PACKAGES)).toEqual(['src/sdk/x.ts imports node:fs']);
  });
});
