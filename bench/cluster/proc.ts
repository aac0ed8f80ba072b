/**
 * What the cluster bench reads about processes it did not start in-process: CPU time and
 * RSS of the node processes (/proc), and the PostgreSQL backends serving the bench's
 * database (their pids from pg_stat_activity; the server is local).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU of a process, ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU ms of every PostgreSQL backend connected to `database` (other databases' backends are not counted). */
export async function backendsCpuMs(adminUrl: string, database: string): Promise<Map<number, number>> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
  } finally {
    await c.end();
  }
}

/** CPU ms the backends spent between two readings (a backend that started in between counts from 0). */
export function backendsDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/**
 * The CPU ms the database's backends spend from now until `stop()`, read every `everyMs`:
 * a node's pool closes connections that stay idle (10 s), and a backend that exits between
 * two readings keeps its last one instead of vanishing from the sum.
 */
export async function followBackends(adminUrl: string, database: string, everyMs = 500): Promise<{ stop(): Promise<number> }> {
  const before = await backendsCpuMs(adminUrl, database);
  const last = new Map(before);
  const read = async () => {
    for (const [pid, ms] of await backendsCpuMs(adminUrl, database)) last.set(pid, ms);
  };
  let reading: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    reading = reading.then(read).catch(() => undefined);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await reading;
      await read();
      return backendsDelta(before, last);
    },
  };
}
