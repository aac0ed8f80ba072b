/**
 * Ringlet additions transferCall and addToCall (API.md "Transfer and add someone"): who may
 * send them, who hears what, their errors, and the history they leave (TSignaling JSON).
 */
import { describe, expect, it } from 'vitest';
import { ACCEPTED, expectError, expectOk, history, invite, makeGroup, NEW, REJECTED, signal, TIMEOUT, useHarness, type Client } from './helpers.ts';

const h = useHarness();

/** alice calls bob and bob answers: a running 1:1 call. */
async function running(alice: Client, bob: Client): Promise<string> {
  const call = await invite(alice, { userID: bob.userID, data: JSON.stringify({ version: 1, roomID: 'r1', callType: 'audio' }), timeout: 30 });
  await bob.rec.waitSig(NEW, call);
  expectOk(await bob.chat.accept({ inviteID: call }), call);
  await alice.rec.waitSig(ACCEPTED, call);
  return call;
}

describe('transferCall', () => {
  it('rings the target from the transferred party, marked as a transfer by the requester; the other party hears the answer', async () => {
    const [alice, bob, carol] = [await h().online('alice'), await h().online('bob'), await h().online('carol')];
    const call = await running(alice, bob);
    const res = await bob.chat.transferCall({ inviteID: call, userID: carol.userID, timeout: 30 });
    const moved = expectOk(res);
    expect(res.data.message, 'the history is alice and carol’s, not bob’s').toBeNull();
    const ring = await carol.rec.waitSig(NEW, moved);
    expect(ring.inviter).toBe(alice.userID);
    expect(ring.inviteeList).toEqual([carol.userID]);
    const data = JSON.parse(ring.data);
    expect(data.join).toEqual({ kind: 'transfer', by: bob.userID, callInviteID: call, parties: [alice.userID] });
    expect(data.callType).toBe('audio');
    expect(data.roomID).not.toBe('r1');
    // The inviter never hears its own NEW_INVITATION_RECEIVED; bob is not in the new invitation.
    await alice.rec.expectNoSig(NEW, moved);
    await bob.rec.expectNoSig(NEW, moved);
    expectOk(await carol.chat.accept({ inviteID: moved }), moved);
    expect((await alice.rec.waitSig(ACCEPTED, moved)).invitee).toBe(carol.userID);
    await bob.rec.expectNoSig(ACCEPTED, moved);
    // History: alice–carol, the TSignaling invite by alice whose data names bob's transfer, then carol's accept.
    const msgs = (await history(carol, `C2C${alice.userID}`)).map(signal).filter((s) => s?.inviteID === moved);
    expect(msgs.map((s) => s.actionType)).toEqual([1, 3]);
    expect(msgs[0]).toMatchObject({ businessID: 1, inviter: alice.userID, inviteeList: [carol.userID], groupID: '' });
    expect(JSON.parse(msgs[0].data).join.by).toBe(bob.userID);
    expect((await history(bob, `C2C${carol.userID}`)).length, 'nothing in bob and carol’s conversation').toBe(0);
  });

  it('a decline and a timeout reach the transferred party', async () => {
    const [alice, bob, carol] = [await h().online('alice'), await h().online('bob'), await h().online('carol')];
    const call = await running(alice, bob);
    const moved = expectOk(await bob.chat.transferCall({ inviteID: call, userID: carol.userID }));
    await carol.rec.waitSig(NEW, moved);
    expectOk(await carol.chat.reject({ inviteID: moved }), moved);
    expect((await alice.rec.waitSig(REJECTED, moved)).invitee).toBe(carol.userID);

    // Either party may transfer: alice hands bob to carol, and bob hears carol's silence.
    const again = expectOk(await alice.chat.transferCall({ inviteID: call, userID: carol.userID, timeout: 1 }));
    expect((await carol.rec.waitSig(NEW, again)).inviter).toBe(bob.userID);
    const t = await bob.rec.waitSig(TIMEOUT, again);
    expect(t.inviteeList).toEqual([carol.userID]);
    await alice.rec.expectNoSig(TIMEOUT, again);
  });

  it('only a party of an answered, live 1:1 call may transfer it', async () => {
    const [alice, bob, carol, dave] = [await h().online('alice'), await h().online('bob'), await h().online('carol'), await h().online('dave')];
    const ringing = await invite(alice, { userID: bob.userID, data: '', timeout: 30 });
    await expectError(() => alice.chat.transferCall({ inviteID: ringing, userID: carol.userID }), 8011, 'not_answered');
    const call = await running(alice, bob);
    // Not a party, and an unknown invitation: the same answer.
    await expectError(() => carol.chat.transferCall({ inviteID: call, userID: dave.userID }), 8011, 'not_party');
    await expectError(() => carol.chat.transferCall({ inviteID: 'no-such-call', userID: dave.userID }), 8011, 'not_party');
    await expectError(() => bob.chat.transferCall({ inviteID: call, userID: bob.userID }), 8001, 'userID');
    await expectError(() => bob.chat.transferCall({ inviteID: call, userID: alice.userID }), 8001, 'userID');
    await expectError(() => bob.chat.transferCall({ inviteID: call, userID: 'nobody_here' }), 8002, 'user_not_found');
    // A group call is not transferred.
    const g = await makeGroup(alice, [bob.userID, carol.userID]);
    const gc = expectOk(await alice.chat.inviteInGroup({ groupID: g, inviteeList: [bob.userID], data: '' }));
    await bob.rec.waitSig(NEW, gc);
    await bob.chat.accept({ inviteID: gc });
    await expectError(() => bob.chat.transferCall({ inviteID: gc, userID: dave.userID }), 8011, 'group_call');
    // Hung up (the seed's end-of-call invitation for this call): over.
    const end = await invite(bob, { userID: alice.userID, data: JSON.stringify({ version: 1, callEnd: 5, callInviteID: call, roomID: 'r1' }), timeout: 0 });
    await alice.rec.waitSig(NEW, end);
    await expectError(() => alice.chat.transferCall({ inviteID: call, userID: carol.userID }), 8011, 'call_over');
  });

  it('blocks apply both ways, to the requester and to the transferred party, with a full invitee’s answer', async () => {
    const [alice, bob, carol] = [await h().online('alice'), await h().online('bob'), await h().online('carol')];
    const call = await running(alice, bob);
    await carol.chat.addToBlacklist({ userIDList: [alice.userID] });
    const e1 = await expectError(() => bob.chat.transferCall({ inviteID: call, userID: carol.userID }), 8040, 'pending_invitations');
    expect(e1.userIDList).toEqual([carol.userID]);
    const call2 = await running(bob, alice);
    // carol blocks alice: alice cannot add her either; and bob blocked by dave cannot hand alice to dave.
    await expectError(() => bob.chat.addToCall({ inviteID: call2, userID: carol.userID }), 8040, 'pending_invitations');
    const dave = await h().online('dave');
    await dave.chat.addToBlacklist({ userIDList: [bob.userID] });
    await expectError(() => bob.chat.transferCall({ inviteID: call2, userID: dave.userID }), 8040, 'pending_invitations');
    await carol.rec.expectNoEvent((e) => e.name === NEW);
    await dave.rec.expectNoEvent((e) => e.name === NEW);
  });

  it('clients cannot write the server’s join marker into an invitation', async () => {
    const [alice, bob] = [await h().online('alice'), await h().online('bob')];
    const forged = JSON.stringify({ version: 1, roomID: 'x', callType: 'audio', join: { kind: 'transfer', by: bob.userID, callInviteID: 'c', parties: [alice.userID] } });
    await expectError(() => alice.chat.invite({ userID: bob.userID, data: forged }), 8001, 'data');
    const g = await makeGroup(alice, [bob.userID]);
    await expectError(() => alice.chat.inviteInGroup({ groupID: g, inviteeList: [bob.userID], data: forged }), 8001, 'data');
  });
});

describe('addToCall', () => {
  it('rings the target into the running call’s room, listing who is in it; mesh-sized', async () => {
    const [alice, bob, carol] = [await h().online('alice'), await h().online('bob'), await h().online('carol')];
    const call = await running(alice, bob);
    const res = await bob.chat.addToCall({ inviteID: call, userID: carol.userID });
    const added = expectOk(res);
    expect(res.data.message.conversationID).toBe(`C2C${carol.userID}`);
    const ring = await carol.rec.waitSig(NEW, added);
    expect(ring.inviter).toBe(bob.userID);
    const data = JSON.parse(ring.data);
    expect(data.roomID).toBe('r1');
    expect(data.join.kind).toBe('add');
    expect(data.join.by).toBe(bob.userID);
    expect([...data.join.parties].sort()).toEqual([alice.userID, bob.userID].sort());
    expectOk(await carol.chat.accept({ inviteID: added }), added);
    await bob.rec.waitSig(ACCEPTED, added);
    // carol, now in the call through her own invitation, may add someone too; the parties carry over.
    const dave = await h().online('dave');
    const next = expectOk(await carol.chat.addToCall({ inviteID: added, userID: dave.userID }));
    const d = JSON.parse((await dave.rec.waitSig(NEW, next)).data);
    expect([...d.join.parties].sort()).toEqual([alice.userID, bob.userID, carol.userID].sort());
    await expectError(() => carol.chat.addToCall({ inviteID: added, userID: alice.userID }), 8001, 'userID');
    // Past the mesh (6 people): 8040 call_size.
    await dave.chat.accept({ inviteID: next });
    let cur = next;
    let by = dave;
    for (const name of ['erin', 'frank']) {
      const u = await h().online(name);
      cur = expectOk(await by.chat.addToCall({ inviteID: cur, userID: u.userID }));
      await u.rec.waitSig(NEW, cur);
      await u.chat.accept({ inviteID: cur });
      by = u;
    }
    const gina = await h().online('gina');
    await expectError(() => by.chat.addToCall({ inviteID: cur, userID: gina.userID }), 8040, 'call_size');
  });
});
