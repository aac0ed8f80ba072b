/**
 * Counts the server's SQLite write transactions (each `BEGIN IMMEDIATE` starts one, and
 * one commit ends it), by wrapping the shared Statement prototype inside the server child,
 * plus the commits of the journal's writer thread (its own connection, in its own thread:
 * counted by the store, src/server/store/sqlite/journal-writer.ts).
 * One property read per statement: cheap enough to stay on in every run, so the CPU phase
 * reports commits per invite+accept beside its CPU and disk figures.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { journalWriterStats } from '../src/server/store/sqlite/journal-writer.ts';
import { repoRoot, type Handler } from './ipc.ts';

let writes = 0;

/** Wraps Statement.prototype.run; returns the IPC handler `commits` (write transactions so far). */
export function installCommitCounter(): Record<string, Handler> {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const Database = require('better-sqlite3') as new (p: string) => { prepare(sql: string): object; close(): void };
  const db = new Database(':memory:');
  const proto = Object.getPrototypeOf(db.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  db.close();
  const run = proto.run!;
  proto.run = function (this: { source: string }, ...args: unknown[]) {
    if (this.source === 'BEGIN IMMEDIATE') writes++;
    return run.apply(this, args);
  };
  return { commits: () => writes + journalWriterStats.commits };
}
