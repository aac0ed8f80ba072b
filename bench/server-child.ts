/**
 * Runs the real Ringlet server (src/server/index.ts) on a SQLite file in a fresh
 * temp dir, in its own process so its CPU and memory can be read in isolation.
 *
 * Answers over IPC: `cpu` (process.cpuUsage), `mem` (process.memoryUsage, after
 * global.gc when asked: start with --expose-gc), `sigs` (server.userSig for a batch
 * of users, which also registers them), `commits` (SQLite write transactions so far), `exit` (close the server, then exit so a
 * --cpu-prof profile is written). With --metrics it also serves GET /metrics (its URL in the
 * ready data).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { emit, processStatsHandlers, repoRoot, serve } from './ipc.ts';
import { profilerHandlers } from './profiler.ts';
import { installSqlStats } from './sql-stats.ts';
import { installCommitCounter } from './commit-counter.ts';

/** The part of API.md's server this child uses. */
interface RingletServer {
  url: string;
  metricsUrl: string | null;
  userSig(userID: string, ttlSeconds: number): Promise<string> | string;
  close(): Promise<void>;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ringlet-bench-'));
const storage = process.env.RINGLET_BENCH_STORE ?? path.join(dir, 'ringlet.sqlite');
// registered first, so the temp dir goes away even when startServer fails
process.on('exit', () => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } });

/** A startServer whose promise never settles would let the loop drain and exit 0 silently. */
const onBeforeExit = () => {
  emit('fatal', 'startServer() never settled: the event loop emptied before the server was ready');
  setTimeout(() => process.exit(1), 100);
};
process.once('beforeExit', onBeforeExit);

async function main(): Promise<void> {
  // A computed specifier keeps `tsc` from type-checking against a server that may
  // not exist yet; the bench only relies on the API.md contract.
  const modUrl = pathToFileURL(path.join(repoRoot, 'src/server/index.ts')).href;
  const mod = (await import(modUrl)) as { startServer?: (o: { port: number; storage: string; limits?: object; metrics?: { host: string; port: number } }) => Promise<RingletServer> };
  if (typeof mod.startServer !== 'function') throw new Error('src/server/index.ts exports no startServer');
  // before startServer, so the server's statements come from the wrapped prototype
  const sqlHandlers = process.argv.includes('--sql-stats') ? installSqlStats() : {};
  const commitHandlers = installCommitCounter();
  // Every simulated client connects from this one address: the per-address connection
  // rate and cap on sockets waiting for their login (flood guards, SECURITY.md) would
  // otherwise pace the logins, not the server (10,000 logins at once had one or two
  // refused with 429 unauthenticated_sockets, which the bench's clients saw as 1006).
  // The round-trip phase sends one pair's invitations back to back (one every 6 ms, about
  // 170/s from one user): past the per-user message rate (50/s), so that budget is lifted
  // too. Its bookkeeping still runs on every request; only its refusals are out of the way.
  // --metrics: GET /metrics on its own listener, as an operator runs it (the orchestrator scrapes it).
  const metrics = process.argv.includes('--metrics') ? { host: '127.0.0.1', port: 0 } : undefined;
  const server = await mod.startServer({ port: 0, storage, limits: { connectionRatePerIP: { perSecond: 1e9, burst: 1e9 }, unauthenticatedPerIP: 1e9, messageRate: { perSecond: 1e9, burst: 1e9 } }, metrics });

  serve({
    ...processStatsHandlers(),
    ...profilerHandlers(),
    ...sqlHandlers,
    ...commitHandlers,
    sigs: async (args: { ids: string[]; ttl?: number }) => {
      const out: string[] = [];
      for (const id of args.ids) out.push(await server.userSig(id, args.ttl ?? 3600));
      return out;
    },
    exit: async () => {
      setImmediate(async () => {
        try { await Promise.race([server.close(), new Promise((r) => setTimeout(r, 3_000))]); } finally { process.exit(0); }
      });
      return true;
    },
  });
  process.off('beforeExit', onBeforeExit);
  emit('ready', { url: server.url, metricsUrl: server.metricsUrl, kind: 'ringlet', storage });
}

main().catch((err) => {
  emit('fatal', err instanceof Error ? err.stack ?? err.message : String(err));
  setTimeout(() => process.exit(1), 100);
});
