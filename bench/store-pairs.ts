/**
 * The SQLite store alone (no sockets): the transactions a 1:1 invite and its accept make,
 * through the real store on a temporary file, `concurrency` pairs in flight at once.
 * Process CPU (all threads), the main thread's busy time (event-loop utilization) and WAL
 * bytes per pair. Indicative only: compare builds run back to back, not with the bench.
 *
 *   npx tsx bench/store-pairs.ts [pairs=3000] [concurrency=1]
 *   RINGLET_SQLITE_WRITER=thread npx tsx bench/store-pairs.ts 3000 64
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInvitation, transition } from '../src/server/signaling/machine.ts';
import { SqliteDriver } from '../src/server/store/sqlite/driver.ts';
import { SqliteStore } from '../src/server/store/sqlite/store.ts';

const N = Number(process.argv[2] ?? 3000);
const C = Number(process.argv[3] ?? 1);
const file = join(mkdtempSync(join(tmpdir(), 'ringlet-store-pairs-')), 'db.sqlite');
const store = await SqliteStore.open(new SqliteDriver(file, { walLimitBytes: 1 << 30 }));
const T = Date.now();
await store.write(async (tx) => { for (let i = 0; i < 300; i++) await tx.ensureUser(`u${i}`, T); });
const frame = 'f'.repeat(400);
const DAY = 86_400_000;

async function pair(i: number): Promise<void> {
  const a = `u${i % 150}`, b = `u${150 + (i % 150)}`;
  const now = Date.now();
  const inv = createInvitation({ inviteID: `inv${i}`, inviter: a, groupID: '', inviteeList: [b], data: 'x'.repeat(100), timeout: 30, onlineUserOnly: false, now }).invitation;
  await store.write(async (tx) => {
    await tx.existingUsers([b]);
    await tx.pendingLoad(a, [b], now);
    await tx.standing(b, a);
    await tx.insertInvitation(inv, false);
    const id = await tx.insertMessage({ convKey: `c2c:${a}:${b}`, from: a, to: b, time: now, payload: { data: 'y'.repeat(200) } as never });
    await tx.bumpConversations([{ userID: a, conversationID: `C2C${b}`, unreadDelta: 0 }, { userID: b, conversationID: `C2C${a}`, unreadDelta: 1 }], id, now);
    await tx.appendEvents([{ userID: b, inviteID: inv.inviteID, deadline: inv.deadline, frame }, { userID: a, inviteID: inv.inviteID, deadline: inv.deadline, frame: `${frame}a` }], now);
    await tx.chargeStoredBytes(a, tx.storedBytes(), Math.floor(now / DAY));
    await tx.putRequestResult(a, `r${i}`, '{"code":0,"data":{"inviteID":"x"}}', now);
  });
  await store.write(async (tx) => {
    const cur = (await tx.getInvitation(inv.inviteID, true))!;
    const t = transition(cur, { type: 'accept', by: b, data: '', now });
    await tx.updateInvitation(cur, t.invitation);
    const id = await tx.insertMessage({ convKey: `c2c:${a}:${b}`, from: b, to: a, time: now, payload: { data: 'z'.repeat(200) } as never });
    await tx.bumpConversations([{ userID: a, conversationID: `C2C${b}`, unreadDelta: 1 }, { userID: b, conversationID: `C2C${a}`, unreadDelta: 0 }], id, now);
    await tx.appendEvents([{ userID: b, inviteID: inv.inviteID, deadline: null, frame }, { userID: a, inviteID: inv.inviteID, deadline: null, frame: `${frame}b` }], now);
    await tx.putRequestResult(b, `r${i}`, '{"code":0,"data":{"inviteID":"x"}}', now);
  });
}

for (let i = 0; i < 300; i++) await pair(i);
await store.catchUp();
const wal0 = statSync(`${file}-wal`).size;
const c0 = process.cpuUsage();
const e0 = performance.eventLoopUtilization();
const t0 = performance.now();
let next = 300;
await Promise.all(Array.from({ length: C }, async () => { while (next < 300 + N) await pair(next++); }));
const t1 = performance.now();
const c = process.cpuUsage(c0);
const elu = performance.eventLoopUtilization(e0);
const wal1 = statSync(`${file}-wal`).size;
console.log(JSON.stringify({
  pairs: N, concurrency: C, writer: process.env.RINGLET_SQLITE_WRITER ?? 'main',
  pairsPerSec: Math.round(N / ((t1 - t0) / 1000)),
  processCpuUsPerPair: Math.round((c.user + c.system) / N),
  mainBusyUsPerPair: Math.round((elu.active * 1000) / N),
  walKBPerPair: Math.round(((wal1 - wal0) / 1024 / N) * 100) / 100,
}));
await store.close();
