/**
 * The IM group calls, group invitations (rule 6: the whole group hears, only invitees act)
 * and rule 9 (membership changes mid-invite).
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  CANCELLED,
  expectError,
  expectOk,
  inviteInGroup,
  makeGroup,
  NEW,
  pendingIDs,
  REJECTED,
  sorted,
  uid,
  useHarness,
  type Client,
  type Recorded,
} from './helpers.ts';

const h = useHarness();

const groupIDs = (list: { groupID: string }[]) => list.map((g) => g.groupID);

const listUpdate = (groupID: string, present: boolean) => (e: Recorded) =>
  e.name === 'GROUP_LIST_UPDATED' && Array.isArray(e.data) && groupIDs(e.data).includes(groupID) === present;

async function myGroups(c: Client): Promise<string[]> {
  const res = await c.chat.getGroupList();
  expect(res.code).toBe(0);
  return groupIDs(res.data.groupList);
}

async function members(c: Client, groupID: string): Promise<Record<string, string>> {
  const res = await c.chat.getGroupMemberList({ groupID });
  expect(res.code).toBe(0);
  return Object.fromEntries(res.data.memberList.map((m: { userID: string; role: string }) => [m.userID, m.role]));
}

describe('createGroup', () => {
  it('creates a group owned by the caller, with the given groupID and name', async () => {
    const alice = await h().online('alice');
    const groupID = uid('grp');
    const res = await alice.chat.createGroup({ name: 'Team', groupID });
    expect(res.code).toBe(0);
    expect(res.data.group).toMatchObject({ groupID, name: 'Team', ownerID: alice.userID });
    expect(typeof res.data.group.type).toBe('string');
    expect(await myGroups(alice)).toContain(groupID);
    expect(await members(alice, groupID)).toEqual({ [alice.userID]: 'Owner' });
    const profile = await alice.chat.getGroupProfile({ groupID });
    expect(profile.code).toBe(0);
    expect(profile.data.group).toMatchObject({ groupID, name: 'Team', ownerID: alice.userID, type: res.data.group.type });
  });

  it('makes up a valid groupID when none is given', async () => {
    const alice = await h().online('alice');
    const res = await alice.chat.createGroup({ name: 'Anon' });
    expect(res.code).toBe(0);
    expect(res.data.group.groupID).toMatch(/^[A-Za-z0-9_.@-]{1,64}$/);
    expect(await myGroups(alice)).toContain(res.data.group.groupID);
  });

  it('adds the memberList, and they hear GROUP_LIST_UPDATED', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = uid('grp');
    await h().acquaint(alice.userID, [bob.userID]);
    // contract reading: memberList has the TIM shape [{ userID }].
    const res = await alice.chat.createGroup({ name: 'With members', groupID, memberList: [{ userID: bob.userID }] });
    expect(res.code).toBe(0);
    await bob.rec.waitFor(listUpdate(groupID, true));
    expect(await members(alice, groupID)).toEqual({ [alice.userID]: 'Owner', [bob.userID]: 'Member' });
  });
});

describe('group membership calls', () => {
  it('addGroupMember, joinGroup, quitGroup and deleteGroupMember change the member list and fire GROUP_LIST_UPDATED', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carolID = await h().user('carol');
    const carol = await h().client(carolID, { label: 'carol#1' });
    const carol2 = await h().client(carolID, { label: 'carol#2' });
    const groupID = await makeGroup(alice, []);

    await h().acquaint(alice.userID, [bob.userID]);
    expectOk0(await alice.chat.addGroupMember({ groupID, userIDList: [bob.userID] }));
    const upd = await bob.rec.waitFor(listUpdate(groupID, true));
    expect(upd.data.find((g: { groupID: string }) => g.groupID === groupID)).toMatchObject({ groupID, ownerID: alice.userID });
    expect(await myGroups(bob)).toContain(groupID);

    expectOk0(await carol.chat.joinGroup({ groupID }));
    await carol2.rec.waitFor(listUpdate(groupID, true));
    expect(await members(bob, groupID)).toEqual({ [alice.userID]: 'Owner', [bob.userID]: 'Member', [carolID]: 'Member' });

    expectOk0(await carol.chat.quitGroup(groupID));
    await carol2.rec.waitFor(listUpdate(groupID, false));
    expect(await myGroups(carol)).not.toContain(groupID);
    expect(Object.keys(await members(alice, groupID)).sort()).toEqual(sorted([alice.userID, bob.userID]));

    expectOk0(await alice.chat.deleteGroupMember({ groupID, userIDList: [bob.userID] }));
    await bob.rec.waitFor(listUpdate(groupID, false));
    expect(await myGroups(bob)).not.toContain(groupID);
    expect(await members(alice, groupID)).toEqual({ [alice.userID]: 'Owner' });
  });

  it('dismissGroup is for the owner only; afterwards the group is gone for everyone', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    // contract reading: the code for a non-owner's dismiss is not in the table; it must reject and change nothing.
    const err = await bob.chat.dismissGroup(groupID).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(typeof (err as { code: unknown }).code).toBe('number');
    expect(await myGroups(alice)).toContain(groupID);

    expectOk0(await alice.chat.dismissGroup(groupID));
    await bob.rec.waitFor(listUpdate(groupID, false));
    expect(await myGroups(alice)).not.toContain(groupID);
    expect(await myGroups(bob)).not.toContain(groupID);
    await expectError(() => alice.chat.getGroupProfile({ groupID }), 8003, 'group_not_found');
    await expectError(() => bob.chat.inviteInGroup({ groupID, inviteeList: [alice.userID] }), 8003, 'group_not_found');
  });
});

describe('inviteInGroup', () => {
  it('rings every member but the inviter, invitees and non-invitees alike, with groupID and the full inviteeList', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const dave = await h().online('dave');
    const groupID = await makeGroup(alice, [bob, carol, dave].map((c) => c.userID));
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], data: 'standup', timeout: 0 });
    for (const c of [bob, carol, dave]) {
      const ev = await c.rec.waitSig(NEW, id);
      expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID, data: 'standup', timeout: 0, remaining: 0 });
      expect(sorted(ev.inviteeList)).toEqual(sorted([bob.userID, carol.userID]));
    }
    await alice.rec.expectNoSig(NEW, id);
    // getPendingInvitations: inviter and pending invitees; a member who is not invited is neither
    expect(await pendingIDs(alice)).toContain(id);
    expect(await pendingIDs(bob)).toContain(id);
    expect(await pendingIDs(dave)).not.toContain(id);
  });

  it('refuses accept and reject by a member who is not invited (8011 not_invitee) and changes nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const dave = await h().online('dave');
    const groupID = await makeGroup(alice, [bob.userID, dave.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
    await dave.rec.waitSig(NEW, id);
    await expectError(() => dave.chat.accept({ inviteID: id }), 8011, 'not_invitee');
    await expectError(() => dave.chat.reject({ inviteID: id }), 8011, 'not_invitee');
    await expectError(() => dave.chat.cancel({ inviteID: id }), 8011, 'not_inviter');
    await alice.rec.expectNoEvent((e) => e.data?.inviteID === id);
    expectOk(await bob.chat.accept({ inviteID: id }), id);
    const ev = await alice.rec.waitSig(ACCEPTED, id);
    expect(ev).toMatchObject({ invitee: bob.userID, groupID });
  });

  it('broadcasts every answer to the whole group, in commit order, once per session', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const dave = await h().online('dave');
    const groupID = await makeGroup(alice, [bob, carol, dave].map((c) => c.userID));
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], timeout: 0 });
    await carol.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id, data: 'b' });
    await carol.chat.reject({ inviteID: id, data: 'c' });
    for (const c of [alice, dave]) {
      await c.rec.waitSig(REJECTED, id);
      await c.rec.barrier();
      const seq = c.rec.about(id).map((e) => [e.name, e.data.invitee ?? null]);
      expect(seq, c.rec.label).toEqual([
        ...(c === alice ? [] : [[NEW, null]]),
        [ACCEPTED, bob.userID],
        [REJECTED, carol.userID],
      ]);
    }
    expect(carol.rec.sig(ACCEPTED, id)).toHaveLength(1);
    expect(bob.rec.sig(REJECTED, id)).toHaveLength(1);
  });

  it('cancel ends every pending part and is heard by the whole group', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const dave = await h().online('dave');
    const groupID = await makeGroup(alice, [bob, carol, dave].map((c) => c.userID));
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id });
    // an invitee whose part ended no longer has it pending; the inviter and the pending invitee do
    expect(await pendingIDs(bob)).not.toContain(id);
    expect(await pendingIDs(carol)).toContain(id);
    expect(await pendingIDs(alice)).toContain(id);
    expectOk(await alice.chat.cancel({ inviteID: id, data: 'stop' }), id);
    for (const c of [bob, carol, dave]) expect((await c.rec.waitSig(CANCELLED, id)).data).toBe('stop');
    await expectError(() => carol.chat.accept({ inviteID: id }), 8010, 'cancelled');
    await expectError(() => bob.chat.reject({ inviteID: id }), 8010, 'accepted');
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020);
  });
});

describe('membership changes mid-invite', () => {
  it('a pending invitee who quits is rejected with reason left_group', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const groupID = await makeGroup(alice, [bob.userID, carol.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.quitGroup(groupID);
    for (const c of [alice, carol]) {
      const ev = await c.rec.waitSig(REJECTED, id);
      expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID, invitee: bob.userID, reason: 'left_group' });
    }
    expect(await pendingIDs(bob)).not.toContain(id);
    // carol is still pending
    expectOk(await carol.chat.accept({ inviteID: id }), id);
  });

  it("the leaving invitee's other devices stop ringing: they hear INVITEE_REJECTED left_group for their own user", async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const b1 = await h().client(bobID, { label: 'bob#1' });
    const b2 = await h().client(bobID, { label: 'bob#2' });
    const groupID = await makeGroup(alice, [bobID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bobID], timeout: 0 });
    await b2.rec.waitSig(NEW, id);
    await b1.chat.quitGroup(groupID);
    // rule 9: the one who left hears it on all sessions; the ringing device learns that its part ended.
    const ev = await b2.rec.waitSig(REJECTED, id);
    expect(ev).toMatchObject({ invitee: bobID, reason: 'left_group' });
    await alice.rec.waitSig(REJECTED, id);
  });

  it('the session whose quitGroup ended the part hears INVITEE_REJECTED left_group too (an indirect event)', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    const res = await bob.chat.quitGroup(groupID);
    // rule 6: the quitGroup promise answers the membership call, not the invitation, so the
    // requesting session hears the rejection like every other session of the audience.
    expect(res).toMatchObject({ code: 0, data: { groupID } });
    const ev = await bob.rec.waitSig(REJECTED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, groupID, invitee: bob.userID, reason: 'left_group' });
    await alice.rec.waitSig(REJECTED, id);
    await expectError(() => bob.chat.reject({ inviteID: id }), 8010, 'rejected');
  });

  it('a removed invitee hears INVITEE_REJECTED left_group for itself (it did not cause it)', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await alice.chat.deleteGroupMember({ groupID, userIDList: [bob.userID] });
    // contract reading: the removed user was in the audience when its part ended, and is ringing.
    const ev = await bob.rec.waitSig(REJECTED, id);
    expect(ev).toMatchObject({ invitee: bob.userID, reason: 'left_group' });
  });

  it('a pending invitee who is removed is rejected with reason left_group; with nobody pending the invitation ends', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const dave = await h().online('dave');
    const groupID = await makeGroup(alice, [bob.userID, dave.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await alice.chat.deleteGroupMember({ groupID, userIDList: [bob.userID] });
    const ev = await dave.rec.waitSig(REJECTED, id);
    expect(ev).toMatchObject({ invitee: bob.userID, reason: 'left_group' });
    expect(await pendingIDs(alice)).not.toContain(id);
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'rejected');
  });

  it('the inviter leaving cancels the invitation with reason inviter_left', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const groupID = await makeGroup(alice, [bob.userID, carol.userID]);
    const bob2 = await h().client(bob.userID, { label: 'bob#2' });
    const id = await inviteInGroup(bob, { groupID, inviteeList: [carol.userID], timeout: 0 });
    await carol.rec.waitSig(NEW, id);
    await bob.chat.quitGroup(groupID);
    for (const c of [alice, carol, bob2]) {
      const ev = await c.rec.waitSig(CANCELLED, id);
      expect(ev).toMatchObject({ inviteID: id, inviter: bob.userID, groupID, reason: 'inviter_left' });
    }
    await expectError(() => carol.chat.accept({ inviteID: id }), 8010, 'cancelled');
    expect(await pendingIDs(carol)).not.toContain(id);
  });

  it('the session whose quitGroup cancelled the invitation hears INVITATION_CANCELLED inviter_left too', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    const id = await inviteInGroup(bob, { groupID, inviteeList: [alice.userID], timeout: 0 });
    await alice.rec.waitSig(NEW, id);
    expect(await bob.chat.quitGroup(groupID)).toMatchObject({ code: 0, data: { groupID } });
    await alice.rec.waitSig(CANCELLED, id);
    // rule 6: an event a membership call causes indirectly reaches the requesting session too;
    // the inviter's dialling session learns from it that its call is over.
    const ev = await bob.rec.waitSig(CANCELLED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: bob.userID, groupID, reason: 'inviter_left' });
    expect(await pendingIDs(bob)).not.toContain(id);
  });

  it('the session whose dismissGroup cancelled the invitations hears INVITATION_CANCELLED group_dismissed too', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    const id = await inviteInGroup(bob, { groupID, inviteeList: [alice.userID], timeout: 0 });
    await alice.rec.waitSig(NEW, id);
    expect(await alice.chat.dismissGroup(groupID)).toMatchObject({ code: 0, data: { groupID } });
    expect((await bob.rec.waitSig(CANCELLED, id)).reason).toBe('group_dismissed');
    // rule 6: the dismissing session was ringing for this invitation and hears that it ended.
    const ev = await alice.rec.waitSig(CANCELLED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: bob.userID, groupID, reason: 'group_dismissed' });
    await expectError(() => alice.chat.accept({ inviteID: id }), 8010, 'cancelled');
  });

  it('dismissing the group cancels every open invitation in it with reason group_dismissed, and only those', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const groupID = await makeGroup(alice, [bob.userID, carol.userID]);
    const open1 = await inviteInGroup(bob, { groupID, inviteeList: [carol.userID], timeout: 0 });
    const open2 = await inviteInGroup(carol, { groupID, inviteeList: [bob.userID, alice.userID], timeout: 0 });
    const done = await inviteInGroup(bob, { groupID, inviteeList: [carol.userID], timeout: 0 });
    await carol.rec.waitSig(NEW, done);
    await carol.chat.accept({ inviteID: done });
    await bob.rec.waitSig(ACCEPTED, done);
    await alice.chat.dismissGroup(groupID);
    for (const c of [bob, carol]) {
      for (const id of [open1, open2]) {
        expect((await c.rec.waitSig(CANCELLED, id)).reason, c.rec.label).toBe('group_dismissed');
      }
    }
    await bob.rec.expectNoSig(CANCELLED, done);
    await carol.rec.expectNoSig(CANCELLED, done);
    await expectError(() => carol.chat.accept({ inviteID: open1 }), 8010, 'cancelled');
    expect(await pendingIDs(bob)).not.toContain(open1);
    expect(await pendingIDs(bob)).not.toContain(open2);
  });
});

function expectOk0(res: { code: number }): void {
  expect(res.code).toBe(0);
}
