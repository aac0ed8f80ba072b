/**
 * CPU profiling of a bench child for just one phase (node:inspector), and a
 * summary of a .cpuprofile by self time, so a report can say where the server
 * spends its time without opening DevTools.
 */
import { Session } from 'node:inspector/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Handler } from './ipc.ts';

let session: Session | null = null;

/** IPC handlers `profStart` / `profStop {file}` for a child process. */
export function profilerHandlers(): Record<string, Handler> {
  return {
    profStart: async () => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return true;
    },
    profStop: async (a: { file: string }) => {
      if (!session) throw new Error('profStop: profiler not started');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      writeFileSync(a.file, JSON.stringify(profile));
      return a.file;
    },
  };
}

interface ProfNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }

/** One row of the self-time summary. */
export interface ProfRow { selfPct: number; fn: string; where: string }

/** Top `n` functions by self time in a .cpuprofile file. */
export function summarizeProfile(file: string, n = 15): ProfRow[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfNode[]; samples?: number[] };
  const hitsById = new Map<number, number>();
  if (prof.samples?.length) for (const id of prof.samples) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
  else for (const nd of prof.nodes) hitsById.set(nd.id, nd.hitCount ?? 0);
  const byFn = new Map<string, { hits: number; fn: string; where: string }>();
  let total = 0;
  for (const nd of prof.nodes) {
    const hits = hitsById.get(nd.id) ?? 0;
    if (!hits) continue;
    total += hits;
    const cf = nd.callFrame;
    // tsx-compiled files report line 0 for everything: only show a line when there is one
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|src)\//, '$1/');
    const where = cf.url ? (cf.lineNumber > 0 ? `${file}:${cf.lineNumber + 1}` : file) : '';
    const key = `${cf.functionName}@${where}`;
    const e = byFn.get(key) ?? { hits: 0, fn: cf.functionName || '(anonymous)', where };
    e.hits += hits;
    byFn.set(key, e);
  }
  return [...byFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, n)
    .map((e) => ({ selfPct: Math.round((e.hits / Math.max(1, total)) * 1000) / 10, fn: e.fn, where: e.where }));
}

/** Areas of the server's work, for the question "where does the CPU go". */
const AREAS: Array<[area: string, test: (fn: string, url: string) => boolean]> = [
  ['idle', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['SQLite statements', (fn, url) => (url === '' && ['run', 'get', 'all', 'iterate', 'exec', 'prepare'].includes(fn)) || url.includes('better-sqlite3') || url.includes('/src/server/store/')],
  ['socket I/O and ws framing', (fn, url) => ['writev', 'writeBuffer', 'writeUtf8String', 'onStreamRead', 'onread'].includes(fn) || url.includes('/node_modules/ws/') || /^node:(net|stream|internal\/(net|stream|streams))/.test(url)],
  ['validation (zod, protocol)', (_fn, url) => url.includes('/node_modules/zod/') || url.includes('/src/protocol/')],
  ['JSON', (fn, url) => url === '' && (fn === 'parse' || fn === 'stringify')],
  ['logging (pino)', (_fn, url) => url.includes('/node_modules/pino') || url.endsWith('/src/server/log.ts')],
  ['metrics (prom-client)', (_fn, url) => url.includes('/node_modules/prom-client/') || url.endsWith('/src/server/metrics.ts')],
  ['fan-out (outbox, bus, announce)', (_fn, url) => url.endsWith('/src/server/outbox.ts') || url.includes('/src/server/hub/') || url.endsWith('/signaling/announce.ts')],
  ['gateway and dispatch', (_fn, url) => url.includes('/src/server/gateway/') || url.endsWith('/src/server/dispatch.ts')],
  ['signaling and IM logic', (_fn, url) => url.includes('/src/server/')],
  ['microtasks and (program)', (fn) => fn === 'runMicrotasks' || fn === '(program)'],
];

/** Self time of a .cpuprofile grouped by AREAS (percent of all samples, busy and idle). */
export function summarizeByArea(file: string): Array<{ area: string; selfPct: number }> {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfNode[]; samples?: number[] };
  const hitsById = new Map<number, number>();
  if (prof.samples?.length) for (const id of prof.samples) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
  else for (const nd of prof.nodes) hitsById.set(nd.id, nd.hitCount ?? 0);
  const byArea = new Map<string, number>();
  let total = 0;
  for (const nd of prof.nodes) {
    const hits = hitsById.get(nd.id) ?? 0;
    if (!hits) continue;
    total += hits;
    const { functionName: fn, url } = nd.callFrame;
    const area = AREAS.find(([, test]) => test(fn, url))?.[0] ?? 'other (node internals, timers, …)';
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  return [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, hits]) => ({ area, selfPct: Math.round((hits / Math.max(1, total)) * 1000) / 10 }));
}
