/**
 * The 1:1 lifecycle: invite, accept, reject, cancel; result and event shapes; rules 2, 3, 5
 * and the 8010 / 8011 / 8020 rows of the error table.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  CANCELLED,
  expectError,
  expectOk,
  invite,
  NEW,
  pending,
  pendingIDs,
  REJECTED,
  signal,
  sleep,
  TIMEOUT,
  useHarness,
} from './helpers.ts';

const h = useHarness();

describe('invite', () => {
  it('resolves { code: 0, inviteID, data: { message } } and the invitee hears NEW_INVITATION_RECEIVED with every field', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const pushInfo = { title: 'Alice calling', description: 'video call', disablePush: false, extension: 'ext' };
    const res = await alice.chat.invite({ userID: bob.userID, data: 'hello', timeout: 20, offlinePushInfo: pushInfo });
    const id = expectOk(res);
    // the message is the stored custom message carrying the TSignaling JSON
    expect(res.data.message).toBeTypeOf('object');
    expect(res.data.message.type).toBe('TIMCustomElem');
    expect(signal(res.data.message)).toMatchObject({ businessID: 1, inviteID: id, actionType: 1, inviter: alice.userID });

    const ev = await bob.rec.waitSig(NEW, id);
    expect(ev).toMatchObject({
      inviteID: id,
      inviter: alice.userID,
      inviteeList: [bob.userID],
      data: 'hello',
      timeout: 20,
    });
    // contract reading: a 1:1 invitation has groupID '' (as in the TSignaling JSON).
    expect(ev.groupID).toBe('');
    expect(ev.remaining).toBeGreaterThan(0);
    expect(ev.remaining).toBeLessThanOrEqual(20);
    // contract reading: offlinePushInfo given by the inviter is passed through to the invitee.
    expect(ev.offlinePushInfo).toMatchObject(pushInfo);
  });

  it('hands the handler { name, data } with name equal to the event constant', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    const e = bob.rec.events.find((x) => x.name === NEW && x.data?.inviteID === id)!;
    expect(e.reportedName).toBe(NEW);
  });

  it("uses the defaults data '' and timeout 30", async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID });
    const ev = await bob.rec.waitSig(NEW, id);
    expect(ev.data).toBe('');
    expect(ev.timeout).toBe(30);
    expect(ev.remaining).toBeGreaterThan(0);
    expect(ev.remaining).toBeLessThanOrEqual(30);
    await alice.chat.cancel({ inviteID: id });
  });

  it('resolves only after the invitation is committed: the invitee sees it in getPendingInvitations at once', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    // no waiting for the event: the server must already know
    expect(await pendingIDs(bob)).toContain(id);
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    expect(await pendingIDs(alice)).not.toContain(id);
  });

  it('gives every invitation a distinct inviteID', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const ids = await Promise.all(Array.from({ length: 5 }, () => invite(alice, { userID: bob, timeout: 0 })));
    expect(new Set(ids).size).toBe(5);
  });

  it('never rings the inviter', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await alice.rec.expectNoSig(NEW, id);
  });

  it('removeSignalingListener stops a handler', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const heard: string[] = [];
    const handler = (e: { data: { inviteID: string } }) => heard.push(e.data.inviteID);
    bob.chat.addSignalingListener(NEW, handler);
    const id1 = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id1);
    bob.chat.removeSignalingListener(NEW, handler);
    const id2 = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id2);
    await bob.rec.barrier();
    expect(heard).toEqual([id1]);
  });
});

describe('accept', () => {
  it('resolves with the inviteID and the inviter hears INVITEE_ACCEPTED with invitee and data', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    const res = await bob.chat.accept({ inviteID: id, data: 'ok!' });
    expectOk(res, id);
    // "same" shape as invite: data.message is the stored accept message
    expect(signal(res.data.message)).toMatchObject({ inviteID: id, actionType: 3, data: 'ok!' });
    const ev = await alice.rec.waitSig(ACCEPTED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID: '', invitee: bob.userID, data: 'ok!' });
    await bob.rec.expectNoSig(ACCEPTED, id);
  });

  it('ends the invitation: it leaves both pending lists and every later action fails', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id });
    expect(await pendingIDs(alice)).not.toContain(id);
    expect(await pendingIDs(bob)).not.toContain(id);
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'accepted');
    await expectError(() => bob.chat.reject({ inviteID: id }), 8010, 'accepted');
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'accepted');
  });

  it('fails with 8010 not_found for an unknown inviteID', async () => {
    const bob = await h().online('bob');
    await expectError(() => bob.chat.accept({ inviteID: 'no-such-invitation' }), 8010, 'not_found');
    await expectError(() => bob.chat.reject({ inviteID: 'no-such-invitation' }), 8010, 'not_found');
  });
});

describe('reject', () => {
  it('resolves and the inviter hears INVITEE_REJECTED with invitee and data; later actions fail with "rejected"', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    expectOk(await bob.chat.reject({ inviteID: id, data: 'busy' }), id);
    const ev = await alice.rec.waitSig(REJECTED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID: '', invitee: bob.userID, data: 'busy' });
    expect(ev.reason ?? undefined).toBeUndefined(); // a plain reject carries no reason
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'rejected');
    await expectError(() => bob.chat.reject({ inviteID: id }), 8010, 'rejected');
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'rejected');
    await bob.rec.expectNoSig(REJECTED, id);
  });
});

describe('cancel', () => {
  it('resolves and the invitee hears INVITATION_CANCELLED with data; later actions fail with "cancelled"', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    expectOk(await alice.chat.cancel({ inviteID: id, data: 'never mind' }), id);
    const ev = await bob.rec.waitSig(CANCELLED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID: '', data: 'never mind' });
    expect(ev.reason ?? undefined).toBeUndefined();
    await expectError(() => bob.chat.accept({ inviteID: id }), 8010, 'cancelled');
    await expectError(() => bob.chat.reject({ inviteID: id }), 8010, 'cancelled');
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'cancelled');
    expect(await pendingIDs(alice)).not.toContain(id);
    expect(await pendingIDs(bob)).not.toContain(id);
    await alice.rec.expectNoSig(CANCELLED, id);
  });

  it('fails with 8020 not_found for an unknown inviteID', async () => {
    const alice = await h().online('alice');
    await expectError(() => alice.chat.cancel({ inviteID: 'no-such-invitation' }), 8020, 'not_found');
  });

  it('fails with 8011 not_inviter for anyone but the inviter and changes nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await expectError(() => bob.chat.cancel({ inviteID: id }), 8011, 'not_inviter');
    await expectError(() => carol.chat.cancel({ inviteID: id }), 8011, 'not_inviter');
    await bob.rec.expectNoSig(CANCELLED, id);
    await alice.rec.expectNoSig(CANCELLED, id);
    expect(await pending(bob, id)).toBeDefined();
    // the invitation still works
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    await alice.rec.waitSig(ACCEPTED, id);
  });
});

describe('8011 not_invitee', () => {
  it('refuses accept and reject by the inviter and by a stranger, and changes nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await expectError(() => alice.chat.accept({ inviteID: id }), 8011, 'not_invitee');
    await expectError(() => alice.chat.reject({ inviteID: id }), 8011, 'not_invitee');
    await expectError(() => carol.chat.accept({ inviteID: id }), 8011, 'not_invitee');
    await expectError(() => carol.chat.reject({ inviteID: id }), 8011, 'not_invitee');
    await alice.rec.expectNoEvent((e) => [ACCEPTED, REJECTED].includes(e.name) && e.data?.inviteID === id);
    await bob.rec.expectNoEvent((e) => [ACCEPTED, REJECTED, CANCELLED].includes(e.name) && e.data?.inviteID === id);
    expect(await pending(alice, id)).toBeDefined();
    expectOk(await bob.chat.reject({ inviteID: id }), id);
    await alice.rec.waitSig(REJECTED, id);
  });

  it('is not told about the invitation: the stranger hears nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id });
    await alice.rec.waitSig(ACCEPTED, id);
    await carol.rec.expectNoEvent((e) => e.data?.inviteID === id);
  });
});

describe('getPendingInvitations', () => {
  it('lists an open invitation for its inviter and its pending invitee, with remaining, and for nobody else', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const id = await invite(alice, { userID: bob.userID, data: 'd', timeout: 60 });
    for (const c of [alice, bob]) {
      const res = await c.chat.getPendingInvitations();
      expect(res.code).toBe(0);
      const inv = res.data.invitationList.find((x: { inviteID: string }) => x.inviteID === id);
      expect(inv, `${c.userID} sees it`).toMatchObject({
        inviteID: id,
        inviter: alice.userID,
        groupID: '',
        inviteeList: [bob.userID],
        data: 'd',
        timeout: 60,
      });
      expect(inv.remaining).toBeGreaterThan(0);
      expect(inv.remaining).toBeLessThanOrEqual(60);
    }
    expect(await pendingIDs(carol)).not.toContain(id);
    await alice.chat.cancel({ inviteID: id });
    expect(await pendingIDs(alice)).not.toContain(id);
    expect(await pendingIDs(bob)).not.toContain(id);
  });

  it('reports remaining from the server clock: it goes down as time passes', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    // A timeout far above the wait: however slow this machine, the invitation is still open.
    const id = await invite(alice, { userID: bob, timeout: 60 });
    await sleep(1200); // the server clock moves on (ceil: 59 s or fewer left)
    const inv = await pending(alice, id);
    expect(inv.timeout).toBe(60);
    expect(inv.remaining).toBeGreaterThan(0);
    expect(inv.remaining).toBeLessThan(60);
    await alice.chat.cancel({ inviteID: id });
  });

  it('reports remaining 0 for an invitation without timeout', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const id = await invite(alice, { userID: bob, timeout: 0 });
    const inv = await pending(alice, id);
    expect(inv.timeout).toBe(0);
    expect(inv.remaining).toBe(0);
  });
});

describe('the acting session', () => {
  it('gets no event for its own accept, reject or cancel', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const a = await invite(alice, { userID: bob.userID, timeout: 0 });
    const r = await invite(alice, { userID: bob.userID, timeout: 0 });
    const c = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, c);
    await bob.chat.accept({ inviteID: a });
    await bob.chat.reject({ inviteID: r });
    await alice.chat.cancel({ inviteID: c });
    await alice.rec.waitSig(ACCEPTED, a);
    await alice.rec.waitSig(REJECTED, r);
    await bob.rec.waitSig(CANCELLED, c);
    await bob.rec.expectNoEvent((e) => [ACCEPTED, REJECTED].includes(e.name));
    await alice.rec.expectNoEvent((e) => e.name === CANCELLED || e.name === TIMEOUT);
  });
});
