/**
 * The in-process set-up of the standalone store measurements (disk-per-pair.ts,
 * pages-per-commit.ts): a Ringlet server on a SQLite file in a fresh temp dir, its
 * per-user budgets lifted (sequential pairs from one user go faster than they allow), and
 * alice and bob logged in. `close()` stops the server and removes the dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/index.ts';
import { createChat, type Chat } from '../src/sdk/index.ts';

export interface PairServer {
  file: string;
  a: Chat;
  b: Chat;
  close(): Promise<void>;
}

export async function startPairServer(prefix: string): Promise<PairServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'ringlet.sqlite');
  const server = await startServer({
    port: 0, storage: file, logLevel: 'error',
    rate: { perSecond: 1e6, burst: 1e6 },
    limits: { messageRate: { perSecond: 1e6, burst: 1e6 }, storedBytesPerDay: 1e12 },
  });
  const a = createChat({ server: server.url });
  const b = createChat({ server: server.url });
  await a.login({ userID: 'alice', userSig: await server.userSig('alice') });
  await b.login({ userID: 'bob', userSig: await server.userSig('bob') });
  return {
    file, a, b,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
