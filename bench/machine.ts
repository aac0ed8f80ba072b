/**
 * Machine-wide CPU use from /proc/stat, so each step can say how much CPU *other*
 * processes took (this box is shared with builds and tests; a busy neighbour on a
 * 2-core machine moves every number).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Jiffies since boot: busy (everything but idle+iowait) and total. */
export interface CpuTimes { busy: number; total: number }

/** Read the aggregate `cpu` line of /proc/stat (zeros where there is none). */
export function readCpuTimes(): CpuTimes {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Busy CPU between two readings, in % of one core (2 cores fully busy = 200). */
export function busyPct(a: CpuTimes, b: CpuTimes): number {
  const dt = b.total - a.total;
  if (dt <= 0) return NaN;
  return ((b.busy - a.busy) / dt) * os.cpus().length * 100;
}

/** Sample the machine for `ms` and return its busy % of one core. */
export async function sampleBusy(ms: number): Promise<number> {
  const a = readCpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  return busyPct(a, readCpuTimes());
}
