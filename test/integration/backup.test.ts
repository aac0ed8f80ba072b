/**
 * Backup while the server serves, and restore (`npm run admin -- backup/restore`,
 * docs/ADMIN.md), under write load: every invitation acknowledged before the backup began
 * is in it; the server restored from it starts and serves it (the invitee sees its pending
 * invitations); each deadline in it fires once. SQLite: VACUUM INTO the live file and
 * restore over it; PostgreSQL (integration-postgres): pg_dump and pg_restore into a new
 * database.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSignalingPayload } from '../../src/sdk/index.ts';
import { startServer, type RingletServer, type ServerOptions } from '../../src/server/index.ts';
import { c2cKey } from '../../src/server/model/conversation-keys.ts';
import { openStore } from '../../src/server/store/index.ts';
import { runAdmin } from '../support/admin-cli.ts';
import { createTestDatabase, testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { connectClient, type Client } from './harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Every open or closed invitation's timeouts in the 1:1 history of `a` and `b`, by invite ID. */
async function timeoutsIn(storage: string, pairs: [string, string][]): Promise<Map<string, number>> {
  const store = await openStore(storage);
  try {
    const out = new Map<string, number>();
    for (const [a, b] of pairs) {
      const messages = await store.read((tx) => tx.listMessages(c2cKey(a, b), null, 5000));
      for (const m of messages) {
        const p = parseSignalingPayload(m.payload.data);
        if (p?.actionType === 5) out.set(p.inviteID, (out.get(p.inviteID) ?? 0) + 1);
      }
    }
    return out;
  } finally {
    await store.close();
  }
}

const WRITERS = 4;
const TIMEOUT_S = 14;
/**
 * Both servers' clock: it stands still until the test moves it past the deadlines, so no
 * invitation times out during the load, the backup, the restore and the restart however
 * long a loaded machine takes for them (at 14 s of wall time they did, and the restored
 * server had nothing pending left to show).
 */
let now = Date.now();
const clock = () => now;
const limits: ServerOptions['limits'] = {
  pendingPerPair: 100_000, pendingPerInvitee: 100_000, pendingFromStrangers: 100_000, pendingSent: 100_000, messageRate: { perSecond: 100_000, burst: 100_000 },
  // The clock standing still refills no bucket: the load's requests must not run out.
  requestCost: { perSecond: 100_000, burst: 1_000_000 },
};

describe('backup under write load, and restore', () => {
  it('keeps every invitation acknowledged before the backup began; the restored server serves them and fires each deadline once', async () => {
    const db: TestStorage = await testStorage('backup');
    cleanups.push(() => db.cleanup());
    const serverOptions = { port: 0, ...db.serverOptions, deadlinePollMs: 200, limits, clock };
    let server: RingletServer | null = await startServer(serverOptions);
    cleanups.push(async () => server?.close());
    const pairs: [string, string][] = Array.from({ length: WRITERS }, (_, i) => [`inviter${i}`, `invitee${i}`]);
    const inviters: Client[] = [];
    for (const [a, b] of pairs) {
      inviters.push(await connectClient(server.url, a, await server.userSig(a)));
      await server.userSig(b);
    }

    // The load: each inviter invites its invitee again as soon as the last one is acknowledged.
    const acked: { id: string; at: number }[] = [];
    let stop = false;
    const load = inviters.map(async (c, i) => {
      while (!stop) {
        const r = await c.chat.invite({ userID: pairs[i]![1], timeout: TIMEOUT_S, data: 'under load' });
        acked.push({ id: r.inviteID, at: performance.now() });
      }
    });
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 20));

    const file = join(db.dir, db.backend === 'sqlite' ? 'backup.sqlite' : 'backup.dump');
    // What was acknowledged before the command was started must be in the copy. (Not "before
    // its 'backing up' line was read": that line and the acknowledgements travel different
    // pipes, and on a loaded machine an acknowledgement of a later commit can be read first.)
    const before = acked.map((a) => a.id);
    let began = Infinity;
    const backup = await runAdmin(['backup', file, '--store', db.storage, '--data', db.dir], '', (text) => {
      if (began === Infinity && /backing up/.test(text)) began = performance.now();
    });
    const ended = performance.now();
    expect(before.length).toBeGreaterThan(0);
    expect(backup, backup.stderr).toMatchObject({ status: 0 });
    // The server kept committing while the backup ran.
    expect(acked.filter((a) => a.at > began && a.at < ended).length).toBeGreaterThan(0);
    stop = true;
    await Promise.all(load);
    await Promise.all(inviters.map((c) => c.chat.destroy()));
    await server.close();
    server = null;

    // Restore: over the same file (SQLite; the old one is moved aside), or into a new database.
    let target = db.storage;
    if (db.backend === 'postgres') {
      const fresh = await createTestDatabase('restored');
      cleanups.push(() => fresh.drop());
      target = fresh.url;
    }
    const restore = await runAdmin(['restore', file, '--yes', '--store', target, '--data', db.dir]);
    expect(restore, restore.stderr).toMatchObject({ status: 0 });
    if (db.backend === 'sqlite') expect(restore.stderr).toMatch(/replaced database is kept at/);

    // Every invitation acknowledged before the backup began is there, open.
    const restored = await openStore(target);
    const found = await restored.read(async (tx) => Promise.all(before.map((id) => tx.getInvitation(id, false))));
    const openInBackup = await restored.read((tx) => tx.countOpenDeadlines());
    await restored.close();
    expect(found.filter((inv) => inv === null)).toEqual([]);
    expect(found.every((inv) => inv!.inviteeList.length === 1)).toBe(true);
    expect(openInBackup).toBeGreaterThanOrEqual(before.length);
    // Nothing fired yet: their deadlines are still ahead.
    expect((await timeoutsIn(target, pairs)).size).toBe(0);

    // The restored server starts on it and serves it: the invitee sees them pending, and hears each time out.
    server = await startServer({ ...serverOptions, storage: target, metrics: { host: '127.0.0.1', port: 0 } });
    const [, firstInvitee] = pairs[0]!;
    const invitee = await connectClient(server.url, firstInvitee, await server.userSig(firstInvitee));
    const pendingNow = (await invitee.chat.getPendingInvitations()).data.invitationList.map((x: { inviteID: string }) => x.inviteID);
    expect(pendingNow.length).toBeGreaterThan(0);
    // Each deadline in the backup fires once: past them, wait until the server has none open (its own gauge).
    now += (TIMEOUT_S + 1) * 1000;
    const end = Date.now() + (TIMEOUT_S + 20) * 1000;
    for (;;) {
      const text = await (await fetch(server.metricsUrl!)).text();
      const open = Number(/^ringlet_pending_deadlines (\d+)$/m.exec(text)?.[1]);
      if (open === 0) break;
      if (Date.now() > end) throw new Error(`${open} deadlines never fired`);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of pendingNow) await invitee.waitFor((e) => e.name === 'ts_invitation_timeout' && e.data.inviteID === id);
    await invitee.chat.destroy();
    await server.close();
    server = null;
    const fired = await timeoutsIn(target, pairs);
    expect(fired.size).toBe(openInBackup);
    expect([...fired.values()].every((n) => n === 1)).toBe(true);
    for (const id of before) expect(fired.get(id)).toBe(1);
    // The invitee heard each of its own pending ones time out once, over the socket.
    for (const id of pendingNow) expect(invitee.count('ts_invitation_timeout', id)).toBe(1);
  }, 120_000);

  // SQLite's own checks: once, in the SQLite project.
  it.skipIf(testBackend() === 'postgres')('refuses a file that is not a Ringlet backup, and a backup over an existing file', async () => {
    const db = await testStorage('backup-refusals', 'sqlite');
    cleanups.push(() => db.cleanup());
    const server = await startServer({ port: 0, ...db.serverOptions });
    await server.userSig('someone');
    await server.close();
    const file = join(db.dir, 'b.sqlite');
    expect((await runAdmin(['backup', file, '--data', db.dir])).status).toBe(0);
    expect(await runAdmin(['backup', file, '--data', db.dir])).toMatchObject({ status: 1, stderr: expect.stringMatching(/exists/) });
    expect(await runAdmin(['restore', join(db.dir, 'secret.key'), '--yes', '--data', db.dir])).toMatchObject({ status: 1 });
    expect(existsSync(db.storage)).toBe(true);
    const r = await runAdmin(['restore', file, '--yes', '--data', db.dir]);
    expect(r).toMatchObject({ status: 0, stderr: expect.stringMatching(/1 users/) });
  }, 120_000); // five admin commands, each compiling its TypeScript first (seconds each on a loaded machine)
});
