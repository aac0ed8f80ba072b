/**
 * The server secret that signs UserSigs: from configuration, or created once in the
 * data folder (mode 0600) and reused after. Never logged, never committed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../store/file-modes.ts';

export const SECRET_FILE = 'secret.key';

export function loadOrCreateSecret(opts: { secret?: string | undefined; dataDir?: string | undefined }): string {
  if (opts.secret) return opts.secret;
  if (!opts.dataDir) return randomBytes(32).toString('hex'); // in-memory server: one per process
  const path = join(opts.dataDir, SECRET_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  ensurePrivateDir(opts.dataDir);
  const secret = randomBytes(32).toString('hex');
  // 'wx': two processes starting at once never overwrite each other's secret.
  try {
    writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
}
