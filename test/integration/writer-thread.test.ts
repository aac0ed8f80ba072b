/**
 * The SQLite writer thread (issue 19 step 2, store/sqlite/journal-writer.ts): a reply is
 * sent only once the thread has committed the request's journal row. Many invitations in
 * flight at once (committed in the thread's natural batches), the server killed with
 * SIGKILL the moment the last reply arrives: every invitation that was answered is there
 * after the restart, rebuilt from the journal into memory (store/sqlite/hot-state.ts), and
 * each invitee hears each one exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { TSignaling } from '../../src/sdk/index.ts';
import { connectClient, startHarness } from './harness.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { launchServerProcess } from '../support/server-process.ts';
import { testBackend } from '../support/backends.ts';

const INVITEES = 8;
const PER_INVITEE = 10; // pendingPerPair

describe.skipIf(testBackend() !== 'sqlite')('the SQLite writer thread', () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('keeps every answered invitation of a burst when the server is killed right after the last reply', async () => {
    const h = await startHarness(); // for its temp dir
    const db = `${h.dir}/writer.sqlite`;
    await h.server.close();
    const port = await freePort();
    child = await launchServerProcess({ port, storage: db, env: { RINGLET_SQLITE_WRITER: 'thread' } });
    const url = `ws://127.0.0.1:${port}`;
    const { UserSigs } = await import('../../src/server/auth/usersig.ts');
    const { loadOrCreateSecret } = await import('../../src/server/auth/secret.ts');
    const sigs = new UserSigs(loadOrCreateSecret({ dataDir: h.dir }));
    const invitees = Array.from({ length: INVITEES }, (_, i) => `invitee${i}`);
    const alice = await connectClient(url, 'alice', await sigs.sign('alice', 600));
    for (const u of invitees) await (await connectClient(url, u, await sigs.sign(u, 600))).chat.destroy();

    const sent = await Promise.all(invitees.flatMap((u) => Array.from({ length: PER_INVITEE }, () => alice.chat.invite({ userID: u, timeout: 0 }))));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await alice.chat.destroy();
    expect(new Set(sent.map((s) => s.inviteID)).size).toBe(INVITEES * PER_INVITEE);

    child = await launchServerProcess({ port, storage: db, env: { RINGLET_SQLITE_WRITER: 'thread' } });
    const again = await connectClient(url, 'alice', await sigs.sign('alice', 600));
    const pending = await again.chat.getPendingInvitations();
    expect(pending.data.invitationList.map((i) => i.inviteID).sort()).toEqual(sent.map((s) => s.inviteID).sort());
    // Each invitee, logging in fresh, is told of each of its invitations once.
    const bob = await connectClient(url, invitees[0]!, await sigs.sign(invitees[0]!, 600));
    const mine = sent.filter((_, i) => Math.floor(i / PER_INVITEE) === 0).map((s) => s.inviteID);
    for (const id of mine) await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === id, 10_000);
    await bob.barrier(again.chat);
    for (const id of mine) expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, id)).toBe(1);
    await again.chat.destroy();
    await bob.chat.destroy();
    child.kill('SIGTERM');
  }, 60_000);
});
