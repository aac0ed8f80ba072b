/**
 * Diagnostic only (`--sql-stats`): counts and times every better-sqlite3 statement
 * the server runs, by SQL text, by wrapping the shared Statement prototype inside the
 * server child, and counts the WebSocket frames it sends. Adds overhead, so the CPU numbers of a run that uses it are not clean.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, type Handler } from './ipc.ts';

interface Stat { calls: number; ns: bigint }
const stats = new Map<string, Stat>();
let txns = 0;
let framesOut = 0;
let bytesOut = 0;
const framesByType = new Map<string, number>();

/** Wrap Statement.prototype.run/get/all/iterate; returns IPC handlers sqlReset/sqlStats. */
export function installSqlStats(): Record<string, Handler> {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const Database = require('better-sqlite3') as new (p: string) => { prepare(sql: string): object; close(): void };
  const db = new Database(':memory:');
  const proto = Object.getPrototypeOf(db.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown> & { source?: string };
  db.close();
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m]!;
    proto[m] = function (this: { source: string }, ...args: unknown[]) {
      const t0 = process.hrtime.bigint();
      try { return orig.apply(this, args); } finally {
        const sql = this.source.replace(/\s+/g, ' ').trim();
        if (sql === 'COMMIT') txns++;
        const s = stats.get(sql) ?? { calls: 0, ns: 0n };
        s.calls++;
        s.ns += process.hrtime.bigint() - t0;
        stats.set(sql, s);
      }
    };
  }
  // the same ws class the server imports: count what it sends, by frame `type`
  const WS = require('ws') as { prototype: Record<string, (...a: unknown[]) => unknown> };
  const send = WS.prototype.send!;
  WS.prototype.send = function (this: unknown, data: unknown, ...rest: unknown[]) {
    framesOut++;
    const str = typeof data === 'string' ? data : String(data);
    bytesOut += str.length;
    const type = /"type":"([a-z]+)"/.exec(str.slice(0, 40))?.[1] ?? '?';
    framesByType.set(type, (framesByType.get(type) ?? 0) + 1);
    return send.call(this, data, ...rest);
  };
  return {
    sqlReset: () => { stats.clear(); txns = 0; framesOut = 0; bytesOut = 0; framesByType.clear(); return true; },
    sqlStats: (a?: { top?: number }) => ({
      commits: txns,
      framesOut, bytesOut, framesByType: Object.fromEntries(framesByType),
      statements: [...stats.entries()]
        .map(([sql, s]) => ({ sql: sql.slice(0, 160), calls: s.calls, totalMs: Number(s.ns / 1000n) / 1000 }))
        .sort((x, y) => y.totalMs - x.totalMs)
        .slice(0, a?.top ?? 25),
    }),
  };
}
