/**
 * Online backup and restore of the SQLite store (docs/ADMIN.md).
 *
 * Backup is `VACUUM INTO` on a connection of its own: one read transaction, so the copy
 * is one consistent snapshot holding every transaction committed before it began, the
 * ones still in the WAL included (no checkpoint needed: a reader sees the WAL), while the
 * server goes on writing (WAL readers do not block writers). The copy is a single
 * self-contained file, compacted, 0600.
 *
 * Restore puts a checked copy in place of a stopped server's file: the backup must pass
 * `PRAGMA integrity_check` and hold Ringlet's schema; the old file and its -wal/-shm are
 * moved aside (never deleted), the copy written beside the target and renamed onto it.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ensurePrivateSqliteFiles } from '../file-modes.ts';

/** What a backup holds, for the command to print. */
export interface BackupInfo {
  bytes: number;
  /** The newest schema migration in it. */
  schemaVersion: number;
  users: number;
  openInvitations: number;
}

/** Copies the live database at `source` into the new file `dest` (refused if it exists). */
export function backupSqlite(source: string, dest: string): BackupInfo {
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  if (existsSync(dest)) throw new Error(`${dest} exists: give a new file name`);
  // Created 0600 first: the copy holds password hashes and every message.
  ensurePrivateSqliteFiles(dest);
  rmSync(dest);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(dest);
  } finally {
    db.close();
  }
  ensurePrivateSqliteFiles(dest);
  return inspectSqlite(dest);
}

/** Checks that `file` is an intact Ringlet database; returns what it holds. */
export function inspectSqlite(file: string): BackupInfo {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file}: integrity check failed: ${String(check)}`);
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!has) throw new Error(`${file}: not a Ringlet database (no schema_migrations)`);
    const n = (sql: string) => Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
    const pageCount = n('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()');
    return {
      bytes: pageCount,
      schemaVersion: n('SELECT MAX(version) AS n FROM schema_migrations'),
      users: n('SELECT COUNT(*) AS n FROM users'),
      openInvitations: n('SELECT COUNT(*) AS n FROM invitations WHERE is_open = 1'),
    };
  } finally {
    db.close();
  }
}

/**
 * Puts the backup `from` in place of the database `target` (the server must be stopped).
 * Returns where the replaced file went (null when there was none).
 */
export function restoreSqlite(from: string, target: string, now = Date.now()): { info: BackupInfo; movedAside: string | null } {
  const info = inspectSqlite(from);
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  ensurePrivateSqliteFiles(staging);
  copyFileSync(from, staging);
  const fd = openSync(staging, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  let movedAside: string | null = null;
  if (existsSync(target)) {
    movedAside = `${target}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    // The WAL may hold the newest commits of the old file: it moves with it.
    for (const side of ['', '-wal', '-shm']) if (existsSync(target + side)) renameSync(target + side, movedAside + side);
  }
  renameSync(staging, target);
  return { info, movedAside };
}
