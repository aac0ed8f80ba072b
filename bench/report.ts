/**
 * The comparison table (metric | ringlet | relay | ratio | Socket.IO | ratio | target | met?) and
 * bench/results/latest.json with machine info.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './ipc.ts';
import type { BenchOptions, TargetKind } from './options.ts';
import type { CpuResult, MemoryResult, RttResult, ThroughputResult } from './phases.ts';
import type { PagesResult } from './pages.ts';
import type { ProfRow } from './profiler.ts';

/** Everything measured for one target; a phase that failed leaves its error instead. */
export interface TargetResult {
  kind: TargetKind;
  url?: string;
  rtt?: RttResult;
  throughput?: ThroughputResult;
  cpu?: CpuResult;
  memory?: MemoryResult;
  /** Ringlet only: WAL pages of a lone invite's and accept's commit (pages.ts). */
  pages?: PagesResult;
  profile?: ProfRow[];
  errors: Record<string, string>;
}

/** `ratio` = ringlet / relay (the targets are stated against it); `socketioRatio` = ringlet / Socket.IO. */
export interface Row { metric: string; ringlet: number | null; relay: number | null; ratio: number | null; socketio: number | null; socketioRatio: number | null; target: string; met: boolean | null }

const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

/** Build the table rows from both targets' results. */
export function buildRows(r: Partial<Record<TargetKind, TargetResult>>, withMetrics?: TargetResult): Row[] {
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);
  const kb = (v: number | undefined) => (v === undefined ? null : Math.round((v / 1024) * 10) / 10);
  const row = (metric: string, pick: (t: TargetResult | undefined) => number | null, target: string, met: (a: number, q: number | null) => boolean | null): Row => {
    const a = pick(r.ringlet), b = pick(r.relay), s = pick(r.socketio);
    const q = ratio(a, b);
    return { metric, ringlet: a, relay: b, ratio: q, socketio: s, socketioRatio: ratio(a, s), target, met: a === null ? null : met(a, q) };
  };
  return [
    row('round-trip p50 (ms)', (t) => num(t?.rtt?.p50), '<= 2x relay', (_a, q) => (q === null ? null : q <= 2)),
    row('round-trip p99 (ms)', (t) => num(t?.rtt?.p99), '-', () => null),
    row('sustained pairs/s (p99<50ms)', (t) => num(t?.throughput?.sustained), '>= 5000', (a) => a >= 5000),
    row('server CPU us / invite+accept', (t) => num(t?.cpu?.usPerInvite), '<= 3x relay', (_a, q) => (q === null ? null : q <= 3)),
    metricsRow(r.ringlet, r.relay, withMetrics),
    row('disk KB written / invite+accept', (t) => kb(t?.cpu?.diskWriteBytesPerInvite), '<= 16', (a) => a <= 16),
    row('  SQLite commits / invite+accept', (t) => num(t?.cpu?.commitsPerInvite), '-', () => null),
    row('  WAL pages / commit', (t) => num(t?.pages?.pagesPerCommit), '-', () => null),
    row('  WAL pages / invite+accept', (t) => (t?.pages ? num(Math.round((t.pages.invite.pages + t.pages.accept.pages) * 10) / 10) : null), '-', () => null),
    row('RSS KB / idle session', (t) => kb(t?.memory?.rssPerSessionB), '<= 8', (a) => a <= 8),
    row('heapUsed KB / idle session', (t) => kb(t?.memory?.heapUsedPerSessionB), '-', () => null),
  ];
}

/**
 * The same CPU figure on a server with GET /metrics on and scraped every second; its
 * `ratio` column is against the plain Ringlet server of the same run, so it reads as the
 * metrics' cost (target: at most 5 % more).
 */
function metricsRow(plain: TargetResult | undefined, relay: TargetResult | undefined, m: TargetResult | undefined): Row {
  const a = num(m?.cpu?.usPerInvite), p = num(plain?.cpu?.usPerInvite);
  const q = a === null || p === null || p === 0 ? null : Math.round((a / p) * 100) / 100;
  return { metric: '  same, /metrics on (vs ringlet)', ringlet: a, relay: num(relay?.cpu?.usPerInvite), ratio: q, socketio: null, socketioRatio: null, target: '<= 1.05x', met: q === null ? null : q <= 1.05 };
}

/** Fixed-width text table. */
export function formatTable(rows: Row[]): string {
  const cell = (v: number | null) => (v === null ? 'n/a' : String(v));
  const met = (m: boolean | null) => (m === null ? '-' : m ? 'yes' : 'NO');
  const data = [['metric', 'ringlet', 'relay', 'ratio', 'Socket.IO', 'ratio', 'target', 'met?'],
    ...rows.map((r) => [r.metric, cell(r.ringlet), cell(r.relay), cell(r.ratio), cell(r.socketio), cell(r.socketioRatio), r.target, met(r.met)])];
  const w = data[0]!.map((_, c) => Math.max(...data.map((d) => d[c]!.length)));
  const line = (d: string[]) => `| ${d.map((v, c) => (c === 0 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join(' | ')} |`;
  const sep = `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`;
  return [line(data[0]!), sep, ...data.slice(1).map(line)].join('\n');
}

/** Machine facts recorded next to the numbers. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version, platform: `${os.platform()} ${os.release()}`, date: new Date().toISOString(),
  };
}

/** Write bench/results/<name> and return its path. */
export function writeResults(name: string, opts: BenchOptions, results: Partial<Record<TargetKind, TargetResult>>, rows: Row[], elapsedMs: number,
  load: { busyBeforePct: number; busyAfterPct: number }): string {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ machine: { ...machineInfo(), ...load, note: 'busy*Pct: machine CPU in use (% of one core) by other processes just before/after the run' }, elapsedSec: Math.round(elapsedMs / 100) / 10, options: opts, table: rows, results }, null, 2) + '\n');
  return file;
}
