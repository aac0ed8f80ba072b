/**
 * Owner-only files for what the server keeps on disk: the data folder 0700, the SQLite
 * database and its -wal/-shm/-journal files 0600 (SQLite gives the side files the
 * database file's mode), the secret 0600 (auth/secret.ts). Existing files are tightened.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Creates `dir` 0700, or tightens an existing one to 0700. A shared sticky folder (such as
 * the system's temporary folder) is left alone: it is not Ringlet's to restrict.
 */
export function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const st = statSync(dir);
  if ((st.mode & 0o1000) !== 0) return;
  if ((st.mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
}

/** Creates the SQLite file 0600 if missing, and tightens it and any side files to 0600. */
export function ensurePrivateSqliteFiles(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', FILE_MODE));
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(p) && (statSync(p).mode & 0o777) !== FILE_MODE) chmodSync(p, FILE_MODE);
  }
}
