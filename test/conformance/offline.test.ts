/**
 * Rule 7: stored invitations for offline invitees, and onlineUserOnly.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  CANCELLED,
  expectError,
  expectOk,
  history,
  invite,
  inviteInGroup,
  makeGroup,
  NEW,
  pendingIDs,
  signal,
  signalsOf,
  sleep,
  sorted,
  TIMEOUT,
  unread,
  useHarness,
} from './helpers.ts';

const h = useHarness();

describe('an invitee who is offline at invite time', () => {
  it('hears NEW_INVITATION_RECEIVED once at login, with 0 < remaining < timeout from the server clock, and can accept', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    // A timeout far above the wait: however slow this machine, the invitation is still open at login.
    const id = await invite(alice, { userID: bobID, data: 'while you were away', timeout: 60 });
    await sleep(1200); // let the server clock move on, so remaining must be below the timeout
    const bob = await h().client(bobID);
    const ev = await bob.rec.waitSig(NEW, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, inviteeList: [bobID], data: 'while you were away', timeout: 60 });
    expect(ev.remaining).toBeGreaterThan(0);
    expect(ev.remaining).toBeLessThan(60);
    await bob.rec.barrier();
    expect(bob.rec.sig(NEW, id)).toHaveLength(1);
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice.rec.waitSig(ACCEPTED, id);
  });

  it('rings a second device that logs in later too, but never the inviter\'s late-joining session', async () => {
    const aliceID = await h().user('alice');
    const alice = await h().client(aliceID);
    const bobID = await h().user('bob');
    const id = await invite(alice, { userID: bobID, timeout: 0 });
    const bob1 = await h().client(bobID, { label: 'bob#1' });
    await bob1.rec.waitSig(NEW, id);
    const bob2 = await h().client(bobID, { label: 'bob#2' });
    expect((await bob2.rec.waitSig(NEW, id)).remaining).toBe(0);
    const alice2 = await h().client(aliceID, { label: 'alice#2' });
    await alice2.rec.expectNoSig(NEW, id);
    expect(await pendingIDs(alice2)).toContain(id);
    expect(bob1.rec.sig(NEW, id)).toHaveLength(1);
  });

  it('logging out and in again on the same client rings once for what came in meanwhile', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    await bob.chat.logout();
    // barrier: a logged-in device of bob hears the invitation, so the server has published it
    const bob2 = await h().client(bob.userID, { label: 'bob#2' });
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob2.rec.waitSig(NEW, id);
    await bob2.rec.barrier();
    expect(bob.rec.sig(NEW, id)).toHaveLength(0);
    await bob.login();
    await bob.rec.waitSig(NEW, id);
    await bob.rec.barrier();
    expect(bob.rec.sig(NEW, id)).toHaveLength(1);
  });

  it('who logs in after the deadline never rings; history shows invite and timeout', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const id = await invite(alice, { userID: bobID, timeout: 1 });
    const ev = await alice.rec.waitSig(TIMEOUT, id);
    expect(ev).toMatchObject({ inviteeList: [bobID], isSelfTimeout: false });
    const bob = await h().client(bobID);
    await bob.rec.expectNoSig(NEW, id);
    expect(await pendingIDs(bob)).not.toContain(id);
    expect((await signalsOf(bob, 'C2C' + alice.userID, id)).map((s) => s.actionType)).toEqual([1, 5]);
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'timeout');
  });

  it('who missed both the invite and its cancel never rings; history shows both', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const id = await invite(alice, { userID: bobID, data: 'call', timeout: 30 });
    await alice.chat.cancel({ inviteID: id, data: 'hung up' });
    const bob = await h().client(bobID);
    await bob.rec.expectNoEvent((e) => e.data?.inviteID === id);
    const sigs = await signalsOf(bob, 'C2C' + alice.userID, id);
    expect(sigs.map((s) => s.actionType)).toEqual([1, 2]);
    expect(sigs.map((s) => s.data)).toEqual(['call', 'hung up']);
    expect(await unread(bob, 'C2C' + alice.userID)).toBe(2);
  });
});

describe('an offline group invitee', () => {
  it('rings once at login with the group invitation, and can accept it', async () => {
    const alice = await h().online('alice');
    const carolID = await h().user('carol');
    const groupID = await makeGroup(alice, [carolID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [carolID], data: 'join us', timeout: 30 });
    const carol = await h().client(carolID);
    const ev = await carol.rec.waitSig(NEW, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID, inviteeList: [carolID], data: 'join us', timeout: 30 });
    expect(ev.remaining).toBeGreaterThan(0);
    expect(ev.remaining).toBeLessThanOrEqual(30);
    await carol.rec.barrier();
    expect(carol.rec.sig(NEW, id)).toHaveLength(1);
    expectOk(await carol.chat.accept({ inviteID: id }), id);
    expect((await alice.rec.waitSig(ACCEPTED, id)).invitee).toBe(carolID);
  });
});

describe('onlineUserOnly with the invitee online', () => {
  it('rings and works, but stores nothing: no history, no unread, for the invite or any later action', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    // a stored invitation first, so both conversations exist
    const stored = await invite(alice, { userID: bob.userID, timeout: 0 });
    await alice.chat.cancel({ inviteID: stored });
    const bobUnreadBefore = await unread(bob, 'C2C' + alice.userID);
    const aliceUnreadBefore = await unread(alice, 'C2C' + bob.userID);
    expect(bobUnreadBefore).toBe(2);

    const id = await invite(alice, { userID: bob.userID, data: 'ephemeral', timeout: 30, onlineUserOnly: true });
    expect((await bob.rec.waitSig(NEW, id)).data).toBe('ephemeral');
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice.rec.waitSig(ACCEPTED, id);
    const id2 = await invite(alice, { userID: bob.userID, timeout: 30, onlineUserOnly: true });
    await bob.rec.waitSig(NEW, id2);
    await alice.chat.cancel({ inviteID: id2 });
    await bob.rec.waitSig(CANCELLED, id2);
    const id3 = await invite(alice, { userID: bob.userID, timeout: 1, onlineUserOnly: true });
    await bob.rec.waitSig(TIMEOUT, id3);

    for (const [c, conv] of [
      [alice, 'C2C' + bob.userID],
      [bob, 'C2C' + alice.userID],
    ] as const) {
      const msgs = (await history(c, conv)).map(signal).filter(Boolean);
      expect(msgs.filter((s) => [id, id2, id3].includes(s.inviteID)), `${c.userID} history`).toEqual([]);
      expect(msgs.filter((s) => s.inviteID === stored)).toHaveLength(2);
    }
    expect(await unread(bob, 'C2C' + alice.userID)).toBe(bobUnreadBefore);
    expect(await unread(alice, 'C2C' + bob.userID)).toBe(aliceUnreadBefore);
  });
});

describe('onlineUserOnly with the invitee offline', () => {
  it('times out at once for the inviter; the invitee never hears of it; nothing is stored', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const id = await invite(alice, { userID: bobID, timeout: 30, onlineUserOnly: true });
    // "at once": before the 30 s deadline (the wait bound, WAIT_MS, is half of it)
    const ev = await alice.rec.waitSig(TIMEOUT, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, inviteeList: [bobID], isSelfTimeout: false });
    expect(await pendingIDs(alice)).not.toContain(id);
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'timeout');

    const bob = await h().client(bobID);
    await bob.rec.expectNoEvent((e) => e.data?.inviteID === id);
    expect(await pendingIDs(bob)).not.toContain(id);
    expect((await history(bob, 'C2C' + alice.userID)).map(signal).filter((s) => s?.inviteID === id)).toEqual([]);
    expect((await history(alice, 'C2C' + bobID)).map(signal).filter((s) => s?.inviteID === id)).toEqual([]);
    expect(await unread(bob, 'C2C' + alice.userID)).toBe(0);
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'timeout');
  });

  it('in a group: offline invitees time out at once in one event, online ones keep ringing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const [carolID, daveID] = await h().users('carol', 'dave');
    const groupID = await makeGroup(alice, [bob.userID, carolID!, daveID!]);
    const id = await inviteInGroup(alice, {
      groupID,
      inviteeList: [bob.userID, carolID, daveID],
      timeout: 30,
      onlineUserOnly: true,
    });
    const ev = await alice.rec.waitSig(TIMEOUT, id); // before the 30 s deadline: at once
    expect(sorted(ev.inviteeList)).toEqual(sorted([carolID!, daveID!]));
    expect(ev.isSelfTimeout).toBe(false);
    const bobEv = await bob.rec.waitSig(TIMEOUT, id);
    expect(bobEv.isSelfTimeout).toBe(false);
    expect(bob.rec.sig(NEW, id)).toHaveLength(1);
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice.rec.waitSig(ACCEPTED, id);
    const carol = await h().client(carolID!);
    await carol.rec.expectNoEvent((e) => e.data?.inviteID === id);
    expect((await history(carol, 'GROUP' + groupID)).map(signal).filter((s) => s?.inviteID === id)).toEqual([]);
    expect(alice.rec.sig(TIMEOUT, id)).toHaveLength(1);
  });
});
