/**
 * Rule 4 (deadlines survive a restart, fire exactly once) and rule 1 (the store is the
 * authority): the server closed and started again on the same SQLite file.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  expectError,
  expectOk,
  invite,
  NEW,
  pending,
  pendingIDs,
  signalsOf,
  sleep,
  TIMEOUT,
  useHarness,
  WAIT_MS,
} from './helpers.ts';

const h = useHarness();

describe('a server restart on the same SQLite file', () => {
  it('keeps a pending invitation: it is still pending, re-announced to the invitee, and accept works', async () => {
    const aliceID = await h().user('alice');
    const bobID = await h().user('bob');
    const alice = await h().client(aliceID);
    const id = await invite(alice, { userID: bobID, data: 'survive', timeout: 60 });
    await h().restart();
    await h().dropClients();

    const alice2 = await h().client(aliceID);
    const inv = await pending(alice2, id);
    expect(inv).toMatchObject({ inviteID: id, inviter: aliceID, inviteeList: [bobID], data: 'survive', timeout: 60 });
    expect(inv.remaining).toBeGreaterThan(0);
    expect(inv.remaining).toBeLessThanOrEqual(60);
    const bob = await h().client(bobID);
    const ev = await bob.rec.waitSig(NEW, id);
    expect(ev.data).toBe('survive');
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice2.rec.waitSig(ACCEPTED, id);
    expect((await signalsOf(bob, 'C2C' + aliceID, id)).map((s) => s.actionType)).toEqual([1, 3]);
  });

  it('fires a deadline that passed while it was down exactly once, and later actions fail with timeout', async () => {
    const aliceID = await h().user('alice');
    const bobID = await h().user('bob');
    const alice = await h().client(aliceID);
    const id = await invite(alice, { userID: bobID, timeout: 1 });
    await h().restart({ downMs: 1600 });
    await h().dropClients();

    const alice2 = await h().client(aliceID);
    const bob = await h().client(bobID);
    await bob.rec.expectNoSig(NEW, id);
    // poll history until the timeout is recorded (it fires on start; the bound is generous)
    let kinds: number[] = [];
    for (const end = Date.now() + WAIT_MS; Date.now() < end; await sleep(200)) {
      kinds = (await signalsOf(alice2, 'C2C' + bobID, id)).map((s) => s.actionType);
      if (kinds.includes(5)) break;
    }
    expect(kinds).toEqual([1, 5]);
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'timeout');
    expect(await pendingIDs(alice2)).not.toContain(id);

    // and again after one more restart: still exactly once
    await h().restart();
    await h().dropClients();
    const alice3 = await h().client(aliceID);
    // barrier: a deadline armed after the start fires after those that were already due at start
    const later = await invite(alice3, { userID: bobID, timeout: 1 });
    await alice3.rec.waitSig(TIMEOUT, later);
    expect((await signalsOf(alice3, 'C2C' + bobID, id)).map((s) => s.actionType)).toEqual([1, 5]);
    await alice3.rec.expectNoSig(TIMEOUT, id);
  });

  it('delivers a deadline that passed while down exactly once to clients that reconnect by themselves', async () => {
    // contract reading: a restarted server on the same port and store still accepts the
    // userSigs it issued before, so the SDK's own reconnect succeeds.
    const aliceID = await h().user('alice');
    const bobID = await h().user('bob');
    const alice = await h().client(aliceID);
    const bob = await h().client(bobID);
    const id = await invite(alice, { userID: bobID, timeout: 2 });
    await bob.rec.waitSig(NEW, id);
    await h().restart({ samePort: true, downMs: 2500 });
    // The SDKs come back on their own backoff (steps up to 8 s at this point): WAIT_MS covers it.
    const ta = await alice.rec.waitSig(TIMEOUT, id);
    const tb = await bob.rec.waitSig(TIMEOUT, id);
    expect(ta).toMatchObject({ inviteeList: [bobID], isSelfTimeout: false });
    expect(tb).toMatchObject({ inviteeList: [bobID], isSelfTimeout: true });
    await alice.rec.barrier();
    await bob.rec.barrier();
    expect(alice.rec.sig(TIMEOUT, id)).toHaveLength(1);
    expect(bob.rec.sig(TIMEOUT, id)).toHaveLength(1);
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'timeout');
  });

  it('a still-pending invitation survives for clients that reconnect by themselves, and accept works', async () => {
    const aliceID = await h().user('alice');
    const bobID = await h().user('bob');
    const alice = await h().client(aliceID);
    const bob = await h().client(bobID);
    const id = await invite(alice, { userID: bobID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await h().restart({ samePort: true, downMs: 300 });
    // wait until bob's SDK is back: getPendingInvitations works again and shows it
    let ok = false;
    for (const end = Date.now() + WAIT_MS; !ok && Date.now() < end; ) {
      try {
        ok = (await pendingIDs(bob)).includes(id);
      } catch {
        /* not reconnected yet */
      }
      if (!ok) await sleep(200);
    }
    expect(ok).toBe(true);
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice.rec.waitSig(ACCEPTED, id);
    expect(alice.rec.sig(ACCEPTED, id)).toHaveLength(1);
  });
});
