/**
 * The comparison table (metric | ringlet | relay | ratio | target | met?) and
 * bench/results/latest.json with machine info.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './ipc.ts';
import type { BenchOptions } from './options.ts';
import type { CpuResult, MemoryResult, RttResult, ThroughputResult } from './phases.ts';
import type { ProfRow } from './profiler.ts';

/** Everything measured for one target; a phase that failed leaves its error instead. */
export interface TargetResult {
  kind: 'relay' | 'ringlet';
  url?: string;
  rtt?: RttResult;
  throughput?: ThroughputResult;
  cpu?: CpuResult;
  memory?: MemoryResult;
  profile?: ProfRow[];
  errors: Record<string, string>;
}

export interface Row { metric: string; ringlet: number | null; relay: number | null; ratio: number | null; target: string; met: boolean | null }

const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

/** Build the table rows from both targets' results. */
export function buildRows(r: Partial<Record<'relay' | 'ringlet', TargetResult>>): Row[] {
  const g = r.ringlet, e = r.relay;
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100);
  const row = (metric: string, a: number | null, b: number | null, target: string, met: (a: number, b: number | null, q: number | null) => boolean | null): Row => {
    const q = ratio(a, b);
    return { metric, ringlet: a, relay: b, ratio: q, target, met: a === null ? null : met(a, b, q) };
  };
  const kb = (v: number | undefined) => (v === undefined ? null : Math.round((v / 1024) * 10) / 10);
  return [
    row('round-trip p50 (ms)', num(g?.rtt?.p50), num(e?.rtt?.p50), '<= 3x relay', (_a, _b, q) => (q === null ? null : q <= 3)),
    row('round-trip p99 (ms)', num(g?.rtt?.p99), num(e?.rtt?.p99), '-', () => null),
    row('sustained pairs/s (p99<50ms)', num(g?.throughput?.sustained), num(e?.throughput?.sustained), '>= 2000', (a) => a >= 2000),
    row('server CPU us / invite+accept', num(g?.cpu?.usPerInvite), num(e?.cpu?.usPerInvite), '-', () => null),
    row('RSS KB / idle session', kb(g?.memory?.rssPerSessionB), kb(e?.memory?.rssPerSessionB), '<= 3x relay', (_a, _b, q) => (q === null ? null : q <= 3)),
    row('heapUsed KB / idle session', kb(g?.memory?.heapUsedPerSessionB), kb(e?.memory?.heapUsedPerSessionB), '-', () => null),
  ];
}

/** Fixed-width text table. */
export function formatTable(rows: Row[]): string {
  const cell = (v: number | null) => (v === null ? 'n/a' : String(v));
  const met = (m: boolean | null) => (m === null ? '-' : m ? 'yes' : 'NO');
  const data = [['metric', 'ringlet', 'relay', 'ratio', 'target', 'met?'],
    ...rows.map((r) => [r.metric, cell(r.ringlet), cell(r.relay), cell(r.ratio), r.target, met(r.met)])];
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
export function writeResults(name: string, opts: BenchOptions, results: Partial<Record<'relay' | 'ringlet', TargetResult>>, rows: Row[], elapsedMs: number,
  load: { busyBeforePct: number; busyAfterPct: number }): string {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ machine: { ...machineInfo(), ...load, note: 'busy*Pct: machine CPU in use (% of one core) by other processes just before/after the run' }, elapsedSec: Math.round(elapsedMs / 100) / 10, options: opts, table: rows, results }, null, 2) + '\n');
  return file;
}
