/**
 * Quick measurement (indicative only): bytes the SQLite store writes per invite+accept.
 * Runs N sequential pairs against an in-process server on a temporary file and reads the
 * process's storage-layer `write_bytes` (/proc/self/io, Linux), the file sizes, and the
 * process's CPU per pair (server and both clients: compare runs, not with the bench).
 *
 *   npx tsx bench/disk-per-pair.ts [pairs=500]
 */
import { readFileSync, statSync } from 'node:fs';
import { startPairServer } from './pair-server.ts';
import { TSignaling } from '../src/sdk/index.ts';

const pairs = Number(process.argv[2] ?? 500);
const { file, a, b, close } = await startPairServer('ringlet-disk-');
b.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e) => void b.accept({ inviteID: (e.data as { inviteID: string }).inviteID }));

async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      const done = () => { a.removeSignalingListener(TSignaling.INVITEE_ACCEPTED, done); resolve(); };
      a.addSignalingListener(TSignaling.INVITEE_ACCEPTED, done);
      void a.invite({ userID: 'bob', data: `pair ${i}`, timeout: 30 });
    });
  }
}
const io = () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
const size = (p: string) => { try { return statSync(p).size; } catch { return 0; } };

await run(50);
const w0 = io();
const c0 = process.cpuUsage();
const s0 = size(file) + size(`${file}-wal`);
await run(pairs);
const w1 = io();
const c1 = process.cpuUsage(c0);
const s1 = size(file) + size(`${file}-wal`);
console.log(JSON.stringify({ pairs, writeBytesPerPair: Math.round((w1 - w0) / pairs), fileGrowthPerPair: Math.round((s1 - s0) / pairs), processCpuUsPerPair: Math.round((c1.user + c1.system) / pairs) }));
await a.destroy();
await b.destroy();
await close();
