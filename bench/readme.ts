/**
 * `npm run bench:readme`: writes the README's Performance table from the results files,
 * between its `<!-- bench:start -->` and `<!-- bench:end -->` markers, so that whoever
 * re-runs a bench updates the README by running this, and each figure has one source:
 * bench/results/latest.json (`npm run bench:core`), cluster.json (`bench:cluster`),
 * hostile.json (`bench:hostile`), sfu.json (`bench:sfu`) and frames.json (`bench:frames`).
 * test/unit/readme-performance.test.ts fails when the README's table is not this.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

interface CoreRow {
  metric: string;
  ringlet: number | null;
  relay: number | null;
  ratio: number | null;
  socketio: number | null;
  target: string;
  met: boolean | null;
}
interface Core {
  machine: { date: string };
  table: CoreRow[];
}
interface Percentiles {
  p50: number;
  p99: number;
}
interface Cluster {
  when: string;
  roundTrip: { sameNode: Percentiles; crossNode: Percentiles };
  cpuPerPair: { nodesUs: number; postgresUs: number };
  sustained: { pairsPerSecond: number };
  timeoutLateness: Percentiles;
  reconnectStorm: { sessions: number; allBackMs: number };
}
interface Hostile {
  date: string;
  runs: unknown[];
  medianMovedP99Ms: number;
  worstMovedP99Ms: number;
}
interface Sfu {
  date: string;
  perForwardedPacketMicros: number;
  perStudentCpuPct: number;
}
interface Frames {
  date: string;
  rows: Array<{ checkNs: number; checkPct: number }>;
}

/** The results the table is made of (each file as the benches write it). */
export interface BenchResults {
  core: Core;
  cluster: Cluster;
  hostile: Hostile;
  sfu: Sfu;
  frames: Frames;
}

export function readResults(root = ROOT): BenchResults {
  const read = <T>(name: string): T => JSON.parse(readFileSync(`${root}/bench/results/${name}.json`, 'utf8')) as T;
  return { core: read('latest'), cluster: read('cluster'), hostile: read('hostile'), sfu: read('sfu'), frames: read('frames') };
}

const n = (v: number | null, digits = 0): string => (v === null ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const day = (iso: string): string => iso.slice(0, 10);
const target = (t: string): string => (t === '-' ? '–' : t.replace('<=', '≤').replace('>=', '≥').replace(/(\d)x\b/, '$1×').replace(/\d{4,}/g, (d) => Number(d).toLocaleString('en-US')));
const met = (m: boolean | null): string => (m === null ? '' : m ? ' (met)' : ' (not met)');
const source = (file: string, iso: string): string => `[${file}](bench/results/${file}) ${day(iso)}`;

/** The README's table (markdown, without the markers). */
export function performanceTable(r: BenchResults): string {
  const core = (metric: string): CoreRow => {
    const row = r.core.table.find((x) => x.metric.trim() === metric);
    if (!row) throw new Error(`bench/results/latest.json has no "${metric}" row`);
    return row;
  };
  const p50 = core('round-trip p50 (ms)');
  const p99 = core('round-trip p99 (ms)');
  const rate = core('sustained pairs/s (p99<50ms)');
  const cpu = core('server CPU us / invite+accept');
  const metrics = core('same, /metrics on (vs ringlet)');
  const disk = core('disk KB written / invite+accept');
  const rss = core('RSS KB / idle session');
  const heap = core('heapUsed KB / idle session');
  const c = r.cluster;
  const coreRun = source('latest.json', r.core.machine.date);
  const clusterRun = source('cluster.json', c.when);
  const checks = r.frames.rows;
  const rows: string[][] = [
    ['invite→accept round trip p50 / p99 (ms)', `${n(p50.ringlet, 2)} / ${n(p99.ringlet, 2)}`, `${n(p50.relay, 2)} / ${n(p99.relay, 2)}`, `${n(p50.socketio, 2)} / ${n(p99.socketio, 2)}`, `p50 ${target(p50.target)}${met(p50.met)}`, coreRun],
    ['sustained invite+accept pairs/s at p99 < 50 ms', n(rate.ringlet), n(rate.relay), n(rate.socketio), `${target(rate.target)}${met(rate.met)}`, coreRun],
    ['server CPU per invite+accept at 500/s (µs)', n(cpu.ringlet), n(cpu.relay), n(cpu.socketio), `${target(cpu.target)}${met(cpu.met)}`, coreRun],
    ['the same with `GET /metrics` scraped every second', `${n(metrics.ratio, 2)}× plain`, '–', '–', `${target(metrics.target)}${met(metrics.met)}`, coreRun],
    ['disk written per invite+accept (KB)', n(disk.ringlet), n(disk.relay), n(disk.socketio), `${target(disk.target)}${met(disk.met)}`, coreRun],
    ['memory per idle logged-in session, 10,000 sessions: RSS (heap) (KB)', `${n(rss.ringlet, 1)} (${n(heap.ringlet, 1)})`, `${n(rss.relay, 1)} (${n(heap.relay, 1)})`, `${n(rss.socketio, 1)} (${n(heap.socketio, 1)})`, `RSS ${target(rss.target)}${met(rss.met)}`, coreRun],
    ['cluster of 2 nodes: round trip p50 / p99, same node; across nodes (ms)', `${n(c.roundTrip.sameNode.p50, 1)} / ${n(c.roundTrip.sameNode.p99, 1)}; ${n(c.roundTrip.crossNode.p50, 1)} / ${n(c.roundTrip.crossNode.p99, 1)}`, '', '', '', clusterRun],
    ['cluster: sustained pairs/s at p99 < 50 ms', n(c.sustained.pairsPerSecond), '', '', '', clusterRun],
    ['cluster: CPU per invite+accept, both nodes / PostgreSQL (ms)', `${n(c.cpuPerPair.nodesUs / 1000, 1)} / ${n(c.cpuPerPair.postgresUs / 1000, 1)}`, '', '', '', clusterRun],
    ['cluster: timeout lateness p50 / p99 (ms)', `${n(c.timeoutLateness.p50, 1)} / ${n(c.timeoutLateness.p99, 1)}`, '', '', '', clusterRun],
    [`cluster: ${n(c.reconnectStorm.sessions)} sessions back on the surviving node after the other is killed (s)`, n(c.reconnectStorm.allBackMs / 1000, 1), '', '', '', clusterRun],
    [`hostile neighbour: the victim's invite→accept p99 moved by (ms; median of ${r.hostile.runs.length} runs, worst)`, `${n(r.hostile.medianMovedP99Ms, 1)} (${n(r.hostile.worstMovedP99Ms, 1)})`, '', '', `< 50${met(r.hostile.worstMovedP99Ms < 50)}`, source('hostile.json', r.hostile.date)],
    ['SFU (Janus): CPU per forwarded packet (µs); per classroom student (% of one core)', `${n(r.sfu.perForwardedPacketMicros)}; ${n(r.sfu.perStudentCpuPct, 1)}`, '', '', '', source('sfu.json', r.sfu.date)],
    ['SDK: checking a server frame\'s shape, beside `JSON.parse` (ns per frame)', `${n(Math.min(...checks.map((x) => x.checkNs)))}–${n(Math.max(...checks.map((x) => x.checkNs)))} (${n(Math.min(...checks.map((x) => x.checkPct)))}–${n(Math.max(...checks.map((x) => x.checkPct)))} %)`, '', '', '', source('frames.json', r.frames.date)],
  ];
  const head = ['measure', 'Ringlet', 'relay (floor)', 'Socket.IO', 'target', 'run'];
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** `readme` with its table replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = `${ROOT}/README.md`;
  writeFileSync(path, withTable(readFileSync(path, 'utf8'), performanceTable(readResults())));
}
