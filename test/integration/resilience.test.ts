import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT, TSignaling } from '../../src/sdk/index.ts';
import { connectClient, isBarrier, startHarness, startProxy, type Harness } from './harness.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { launchServerProcess } from '../support/server-process.ts';

describe('a client that loses its connection', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('gets exactly what was committed while it was away, once, and no ring for what ended meanwhile', async () => {
    const alice = await h.client('alice');
    const proxy = await startProxy(h.server.port);
    const bob = await connectClient(proxy.url, 'bob', await h.server.userSig('bob', 600));
    const messages: unknown[] = [];
    bob.chat.on(EVENT.MESSAGE_RECEIVED, (e) => messages.push(...(e.data as unknown[])));

    const first = await alice.chat.invite({ userID: 'bob', timeout: 0 });
    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === first.inviteID);
    const states: string[] = [];
    bob.chat.on(EVENT.NET_STATE_CHANGE, (e) => states.push((e.data as { state: string }).state));

    proxy.drop();
    const second = await alice.chat.invite({ userID: 'bob', timeout: 0 });
    await alice.chat.cancel({ inviteID: first.inviteID });
    const missed = await alice.chat.invite({ userID: 'bob', timeout: 0 });
    await alice.chat.cancel({ inviteID: missed.inviteID });
    proxy.resume();

    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === second.inviteID);
    await bob.waitFor((e) => e.name === TSignaling.INVITATION_CANCELLED && e.data.inviteID === first.inviteID);
    await bob.barrier(alice.chat);
    expect(states).toContain('connected');
    expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, first.inviteID)).toBe(1);
    expect(bob.count(TSignaling.INVITATION_CANCELLED, first.inviteID)).toBe(1);
    expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, second.inviteID)).toBe(1);
    expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, missed.inviteID)).toBe(0);
    expect(bob.count(TSignaling.INVITATION_CANCELLED, missed.inviteID)).toBe(0);
    // History still tells the whole story: 1 invite + 1 cancel + 1 invite + 1 invite + 1 cancel after the first ring.
    const history = messages.filter((m) => !isBarrier(m));
    expect(history).toHaveLength(5);
    const ids = (history as Array<{ ID: string }>).map((m) => m.ID);
    expect(new Set(ids).size).toBe(ids.length);
    // The re-connected bob can act on what rings.
    expect((await bob.chat.accept({ inviteID: second.inviteID })).code).toBe(0);
    await proxy.close();
  });

  it('sends requests made while disconnected once it is back, and they apply once', async () => {
    const carol = await h.client('carol');
    const proxy = await startProxy(h.server.port);
    const dave = await connectClient(proxy.url, 'dave', await h.server.userSig('dave', 600));
    proxy.drop();
    const sent = dave.chat.invite({ userID: 'carol', timeout: 0 });
    proxy.resume();
    const res = await sent;
    await carol.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === res.inviteID);
    await carol.barrier(dave.chat);
    expect(carol.count(TSignaling.NEW_INVITATION_RECEIVED, res.inviteID)).toBe(1);
    await proxy.close();
  });
});

describe('a client whose clock is hours off', () => {
  it('still hears the server-clock remaining time and can answer before the deadline', async () => {
    const realNow = Date.now.bind(Date);
    const h = await startHarness({ clock: () => realNow() });
    try {
      vi.useFakeTimers({ toFake: ['Date'], now: realNow() + 5 * 3600_000 });
      const alice = await h.client('alice');
      const bob = await h.client('bob');
      const res = await alice.chat.invite({ userID: 'bob', timeout: 20 });
      const ring = await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === res.inviteID);
      expect(ring.data.remaining).toBe(20);
      expect((await bob.chat.accept({ inviteID: res.inviteID })).code).toBe(0);
      const history = await bob.chat.getMessageList({ conversationID: 'C2Calice' });
      // Message times are the server's (seconds), not the client's.
      for (const m of history.data.messageList) expect(Math.abs(m.time - realNow() / 1000)).toBeLessThan(60);
    } finally {
      vi.useRealTimers();
      await h.close();
    }
  });
});

describe('userSig expiry', () => {
  it('kicks the session out when its userSig expires', async () => {
    // The server's clock stands still at the token's issue: the login with a 1 s token
    // succeeds however long this machine takes for it; the kick comes from the timer the
    // session arms at login for the token's remaining life.
    const issuedAt = Date.now();
    const h = await startHarness({ clock: () => issuedAt });
    try {
      const c = await connectClient(h.server.url, 'eve', await h.server.userSig('eve', 1));
      const kicked = new Promise((r) => c.chat.on(EVENT.KICKED_OUT, (e) => r(e.data)));
      expect(await kicked).toMatchObject({ type: 'userSigExpired' });
      await expect(c.chat.getGroupList()).rejects.toMatchObject({ code: 2024 });
    } finally {
      await h.close();
    }
  });
});

describe('a server killed with SIGKILL mid-invite', () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
  });
  const launch = (port: number, db: string) => launchServerProcess({ port, storage: db });

  it('keeps its state, and a deadline that passed while it was down fires once on start', async () => {
    const h = await startHarness(); // only for its temp dir and secret-less helpers
    const db = `${h.dir}/killed.sqlite`;
    await h.server.close();
    const port = await freePort();
    child = await launch(port, db);
    const url = `ws://127.0.0.1:${port}`;
    // The secret lives beside the database, so tokens stay valid across the restart.
    const { UserSigs } = await import('../../src/server/auth/usersig.ts');
    const { loadOrCreateSecret } = await import('../../src/server/auth/secret.ts');
    const sigs = new UserSigs(loadOrCreateSecret({ dataDir: h.dir }));
    const alice = await connectClient(url, 'alice', await sigs.sign('alice', 600));
    const bob = await connectClient(url, 'bob', await sigs.sign('bob', 600));
    const short = await alice.chat.invite({ userID: 'bob', timeout: 2 });
    const forever = await alice.chat.invite({ userID: 'bob', timeout: 0 });
    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === forever.inviteID);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await new Promise((r) => setTimeout(r, 2500)); // the short deadline passes while the server is down
    child = await launch(port, db);

    const aliceTimeout = await alice.waitFor((e) => e.name === TSignaling.INVITATION_TIMEOUT && e.data.inviteID === short.inviteID, 15_000);
    const bobTimeout = await bob.waitFor((e) => e.name === TSignaling.INVITATION_TIMEOUT && e.data.inviteID === short.inviteID, 15_000);
    expect(aliceTimeout.data).toMatchObject({ inviteeList: ['bob'], isSelfTimeout: false });
    expect(bobTimeout.data).toMatchObject({ inviteeList: ['bob'], isSelfTimeout: true });
    const pending = await bob.chat.getPendingInvitations();
    expect(pending.data.invitationList.map((i) => i.inviteID)).toEqual([forever.inviteID]);
    expect((await bob.chat.accept({ inviteID: forever.inviteID })).code).toBe(0);
    await alice.waitFor((e) => e.name === TSignaling.INVITEE_ACCEPTED && e.data.inviteID === forever.inviteID);
    await alice.barrier(bob.chat);
    await bob.barrier(alice.chat);
    expect(alice.count(TSignaling.INVITATION_TIMEOUT, short.inviteID)).toBe(1);
    expect(bob.count(TSignaling.INVITATION_TIMEOUT, short.inviteID)).toBe(1);
    expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, forever.inviteID)).toBe(1);
    const history = await alice.chat.getMessageList({ conversationID: 'C2Cbob' });
    const actions = history.data.messageList.map((m) => JSON.parse(m.payload.data).actionType);
    expect(actions.filter((a: number) => a === 5)).toHaveLength(1);
    await alice.chat.destroy();
    await bob.chat.destroy();
    child.kill('SIGTERM');
  }, 60_000);
});
