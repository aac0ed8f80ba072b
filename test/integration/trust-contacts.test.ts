/**
 * Issue 17, attacks 3 and 6 against the real server: nobody can stop a user from receiving
 * calls from people they know (strangers have their own pending pool; blocks; a group call
 * skips an invitee who cannot take it), and nobody can put a user in groups without
 * consent (group invitations, their own cap, leaving stays left). Runs on SQLite and, with
 * `--project integration-postgres`, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/protocol/limits.ts';
import { DEFAULT_LIMITS } from '../../src/server/limits/config.ts';
import { EVENT, TSignaling, type Chat, type GroupInvitation } from '../../src/sdk/index.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

let counter = 0;
const uid = (base: string) => `${base}${++counter}_${Math.random().toString(36).slice(2, 7)}`;

/** A logged-in client that also records the group invitations it hears. */
async function person(base: string, on: Harness = h): Promise<Client & { groupInvitations: GroupInvitation[] }> {
  const c = await on.client(uid(base));
  const groupInvitations: GroupInvitation[] = [];
  c.chat.on(EVENT.GROUP_INVITATION_RECEIVED, (e) => groupInvitations.push(e.data as GroupInvitation));
  return Object.assign(c, { groupInvitations });
}

/** The error a call rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string; userIDList?: string[] }> {
  try {
    await p;
  } catch (err) {
    return err as { code: number; reason: string; message: string; userIDList?: string[] };
  }
  throw new Error('the call succeeded; it must fail');
}

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number; reason: string }) => `${e.code}:${e.reason}`);

async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rings = (c: Client, inviteID: string) => c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === inviteID);
const myGroups = async (chat: Chat) => (await chat.getGroupList()).data.groupList.map((g) => g.groupID);
const members = async (chat: Chat, groupID: string) => (await chat.getGroupMemberList({ groupID })).data.memberList.map((m) => m.userID).sort();

describe('attack 3: strangers cannot use up the places of people a user knows', () => {
  it('ten senders with ten invitations each fill only the strangers\' pool; a contact\'s and a group member\'s calls still ring', async () => {
    const victim = await person('victim');
    const friend = await person('friend');
    const colleague = await person('colleague');
    await victim.chat.addContact({ userID: friend.userID });
    // The colleague shares a group with the victim (the victim made it).
    const { data } = await victim.chat.createGroup({ name: 'work', memberList: [] });
    await colleague.chat.addContact({ userID: victim.userID });
    await victim.chat.addGroupMember({ groupID: data.group.groupID, userIDList: [colleague.userID] });

    const attackers = await Promise.all(Array.from({ length: 10 }, () => person('attacker')));
    const answers: string[] = [];
    for (const a of attackers) {
      for (let i = 0; i < 10; i++) answers.push(await outcome(a.chat.invite({ userID: victim.userID, timeout: 0 })));
    }
    expect(answers.filter((a) => a === 'ok')).toHaveLength(DEFAULT_LIMITS.pendingFromStrangers);
    expect(new Set(answers.filter((a) => a !== 'ok'))).toEqual(new Set(['8040:pending_invitations']));

    const call = await friend.chat.invite({ userID: victim.userID, timeout: 0 });
    await rings(victim, call.inviteID);
    const call2 = await colleague.chat.invite({ userID: victim.userID, timeout: 0 });
    await rings(victim, call2.inviteID);
    const groupCall = await colleague.chat.inviteInGroup({ groupID: data.group.groupID, inviteeList: [victim.userID], timeout: 0 });
    expect(groupCall.data.skippedUserIDList).toBeUndefined();
    await rings(victim, groupCall.inviteID);
  });

  it('a stranger becomes known once added as a contact: their calls use the contacts\' pool', async () => {
    const victim = await person('victim');
    const attackers = await Promise.all(Array.from({ length: 2 }, () => person('attacker')));
    for (const a of attackers) for (let i = 0; i < 10; i++) await a.chat.invite({ userID: victim.userID, timeout: 0 });
    const newcomer = await person('newcomer');
    expect((await failure(newcomer.chat.invite({ userID: victim.userID, timeout: 0 }))).reason).toBe('pending_invitations');
    await victim.chat.addContact({ userID: newcomer.userID });
    const call = await newcomer.chat.invite({ userID: victim.userID, timeout: 0 });
    await rings(victim, call.inviteID);
  });
});

describe('blocks (Tencent names)', () => {
  it('a blocked sender is refused without ringing, told only what a full invitee tells; unblocking lets them through', async () => {
    const victim = await person('victim');
    const mallory = await person('mallory');
    const other = await person('other');
    expect((await victim.chat.addToBlacklist({ userIDList: [mallory.userID] })).data).toEqual([mallory.userID]);
    expect((await victim.chat.getBlacklist()).data).toEqual([mallory.userID]);

    const err = await failure(mallory.chat.invite({ userID: victim.userID, timeout: 0 }));
    expect({ code: err.code, reason: err.reason, userIDList: err.userIDList }).toEqual({ code: 8040, reason: 'pending_invitations', userIDList: [victim.userID] });
    expect(err.message).not.toMatch(/block/i);
    await victim.barrier(other.chat);
    expect(victim.count(TSignaling.NEW_INVITATION_RECEIVED)).toBe(0);
    expect((await victim.chat.getPendingInvitations()).data.invitationList).toEqual([]);

    // The same words as a full invitee: the per-pair cap of someone who is not blocked.
    for (let i = 0; i < DEFAULT_LIMITS.pendingPerPair; i++) await other.chat.invite({ userID: victim.userID, timeout: 0 });
    const full = await failure(other.chat.invite({ userID: victim.userID, timeout: 0 }));
    expect({ code: full.code, reason: full.reason }).toEqual({ code: err.code, reason: err.reason });
    expect(full.message.replace(other.userID, '')).toBe(err.message.replace(mallory.userID, ''));

    expect((await victim.chat.removeFromBlacklist({ userIDList: [mallory.userID] })).data).toEqual([mallory.userID]);
    expect((await victim.chat.getBlacklist()).data).toEqual([]);
    const call = await mallory.chat.invite({ userID: victim.userID, timeout: 0 });
    await rings(victim, call.inviteID);
  });

  it('a group call skips an invitee who blocks the inviter or is full, tells the inviter, and rings the others', async () => {
    const owner = await person('owner');
    const [victim, bob, carol] = await Promise.all([person('victim'), person('bob'), person('carol')]);
    for (const m of [victim, bob, carol]) await m.chat.addContact({ userID: owner.userID });
    const { data } = await owner.chat.createGroup({ name: 'team', memberList: [victim.userID, bob.userID, carol.userID] });
    const groupID = data.group.groupID;
    expect(await members(owner.chat, groupID)).toEqual([owner.userID, victim.userID, bob.userID, carol.userID].sort());
    await victim.chat.addToBlacklist({ userIDList: [owner.userID] });
    // carol is full from the owner (pendingPerPair 1:1 invitations).
    for (let i = 0; i < DEFAULT_LIMITS.pendingPerPair; i++) await owner.chat.invite({ userID: carol.userID, timeout: 0 });

    const call = await owner.chat.inviteInGroup({ groupID, inviteeList: [victim.userID, bob.userID, carol.userID], timeout: 0 });
    expect(call.data.skippedUserIDList?.sort()).toEqual([victim.userID, carol.userID].sort());
    const ev = await rings(bob, call.inviteID);
    expect(ev.data.inviteeList).toEqual([bob.userID]);
    // A group call in which nobody can be invited fails whole, naming them.
    const err = await failure(owner.chat.inviteInGroup({ groupID, inviteeList: [victim.userID], timeout: 0 }));
    expect({ code: err.code, reason: err.reason, userIDList: err.userIDList }).toEqual({ code: 8040, reason: 'pending_invitations', userIDList: [victim.userID] });
  });

  it('a block is checked against the authenticated user; bad lists are 8001 and unknown users 8002', async () => {
    const me = await person('me');
    expect((await failure(me.chat.addToBlacklist({ userIDList: [me.userID] }))).code).toBe(8001);
    expect((await failure(me.chat.addToBlacklist({ userIDList: [] }))).code).toBe(8001);
    expect((await failure(me.chat.addToBlacklist({ userIDList: [uid('nobody')] }))).code).toBe(8002);
    expect((await failure(me.chat.addContact({ userID: uid('nobody') }))).code).toBe(8002);
    expect((await failure(me.chat.addContact({ userID: me.userID }))).code).toBe(8001);
  });
});

describe('attack 6: group consent', () => {
  it('a stranger\'s createGroup and addGroupMember only invite; accept joins, decline does not', async () => {
    const victim = await person('victim');
    const stranger = await person('stranger');
    const res = await stranger.chat.createGroup({ name: 'forced', memberList: [victim.userID] });
    expect(res.data.invitedUserIDList).toEqual([victim.userID]);
    const groupID = res.data.group.groupID;
    expect(await members(stranger.chat, groupID)).toEqual([stranger.userID]);
    expect(await myGroups(victim.chat)).not.toContain(groupID);
    await until(() => victim.groupInvitations.some((i) => i.group.groupID === groupID));
    expect(victim.groupInvitations[0]).toMatchObject({ inviter: stranger.userID, group: { groupID, name: 'forced' } });
    const list = (await victim.chat.getGroupInvitationList()).data.invitationList;
    expect(list.map((i) => [i.group.groupID, i.inviter])).toEqual([[groupID, stranger.userID]]);

    expect((await victim.chat.acceptGroupInvitation({ groupID })).data.group.groupID).toBe(groupID);
    expect(await myGroups(victim.chat)).toContain(groupID);
    expect((await victim.chat.getGroupInvitationList()).data.invitationList).toEqual([]);
    expect((await failure(victim.chat.acceptGroupInvitation({ groupID }))).reason).toBe('no_invitation');

    const second = await stranger.chat.createGroup({ name: 'second', memberList: [] });
    const add = await stranger.chat.addGroupMember({ groupID: second.data.group.groupID, userIDList: [victim.userID] });
    expect(add.data).toMatchObject({ successUserIDList: [], invitedUserIDList: [victim.userID] });
    await victim.chat.declineGroupInvitation({ groupID: second.data.group.groupID });
    expect(await members(stranger.chat, second.data.group.groupID)).toEqual([stranger.userID]);
    expect((await failure(victim.chat.declineGroupInvitation({ groupID: second.data.group.groupID }))).code).toBe(8011);
  });

  it('a contact adds at once; after quitting, the same contact\'s re-add is an invitation (leaving stays left)', async () => {
    const user = await person('user');
    const friend = await person('friend');
    await user.chat.addContact({ userID: friend.userID });
    const res = await friend.chat.createGroup({ name: 'friends', memberList: [user.userID] });
    expect(res.data.invitedUserIDList).toEqual([]);
    const groupID = res.data.group.groupID;
    expect(await myGroups(user.chat)).toContain(groupID);
    await user.chat.quitGroup(groupID);
    const again = await friend.chat.addGroupMember({ groupID, userIDList: [user.userID] });
    expect(again.data).toMatchObject({ successUserIDList: [], invitedUserIDList: [user.userID] });
    expect(await myGroups(user.chat)).not.toContain(groupID);
    await user.chat.acceptGroupInvitation({ groupID });
    expect(await myGroups(user.chat)).toContain(groupID);
  });

  it('an add by someone the user blocks is dropped unheard, and the adder is told what an invitation tells', async () => {
    const user = await person('user');
    const mallory = await person('mallory');
    const other = await person('other');
    await user.chat.addToBlacklist({ userIDList: [mallory.userID] });
    const res = await mallory.chat.createGroup({ name: 'spam', memberList: [user.userID] });
    expect(res.data.invitedUserIDList).toEqual([user.userID]);
    await user.barrier(other.chat);
    expect(user.groupInvitations).toEqual([]);
    expect((await user.chat.getGroupInvitationList()).data.invitationList).toEqual([]);
    // Blocking drops what was waiting from that user too.
    const ok = await other.chat.createGroup({ name: 'waiting', memberList: [user.userID] });
    expect((await user.chat.getGroupInvitationList()).data.invitationList).toHaveLength(1);
    await user.chat.addToBlacklist({ userIDList: [other.userID] });
    expect((await user.chat.getGroupInvitationList()).data.invitationList).toEqual([]);
    expect(ok.data.invitedUserIDList).toEqual([user.userID]);
  });

  it('500 group adds by others do not stop the user\'s own createGroup (waiting invitations are capped apart)', async () => {
    const victim = await person('victim');
    // Ten accounts, fifty groups each, every one naming the victim.
    const fillers = await Promise.all(Array.from({ length: 10 }, () => person('filler')));
    const answers = (
      await Promise.all(
        fillers.map(async (f) => {
          const out: string[] = [];
          for (let i = 0; i < 50; i++) out.push(await outcome(f.chat.createGroup({ name: `f${i}`, memberList: [victim.userID] })));
          return out;
        }),
      )
    ).flat();
    expect(answers).toHaveLength(500);
    expect(answers.filter((a) => a === 'ok')).toHaveLength(DEFAULT_LIMITS.pendingGroupInvitations);
    expect(new Set(answers.filter((a) => a !== 'ok'))).toEqual(new Set(['8040:group_invitations']));
    expect(await myGroups(victim.chat)).toEqual([]);
    const own = await victim.chat.createGroup({ name: 'mine' });
    expect(await myGroups(victim.chat)).toEqual([own.data.group.groupID]);
    // Declining one frees a place: invitations are bounded, not a lock-out of real ones.
    const first = (await victim.chat.getGroupInvitationList()).data.invitationList[0]!;
    await victim.chat.declineGroupInvitation({ groupID: first.group.groupID });
    expect(await outcome(fillers[0]!.chat.createGroup({ name: 'again', memberList: [victim.userID] }))).toBe('ok');
    expect(LIMITS.maxGroupsPerUser).toBeGreaterThan(DEFAULT_LIMITS.pendingGroupInvitations);
  }, 60_000);
});

describe('caps on the lists', () => {
  let small: Harness;
  beforeAll(async () => {
    small = await startHarness({ limits: { maxContacts: 2, maxBlocked: 2, pendingGroupInvitations: 2 } });
  });
  afterAll(() => small.close());

  it('contacts, blocks and waiting group invitations are bounded with stated errors', async () => {
    const me = await person('me', small);
    const others = await Promise.all(Array.from({ length: 4 }, () => person('o', small)));
    await me.chat.addContact({ userID: others[0]!.userID });
    await me.chat.addContact({ userID: others[1]!.userID });
    await me.chat.addContact({ userID: others[1]!.userID }); // already there: no new place
    expect((await failure(me.chat.addContact({ userID: others[2]!.userID }))).reason).toBe('contacts');
    expect((await me.chat.getContactList()).data.contactList.sort()).toEqual([others[0]!.userID, others[1]!.userID].sort());
    await me.chat.removeContact({ userID: others[0]!.userID });
    await me.chat.addContact({ userID: others[2]!.userID });

    expect((await failure(me.chat.addToBlacklist({ userIDList: others.slice(0, 3).map((o) => o.userID) }))).reason).toBe('blocklist');
    expect((await me.chat.getBlacklist()).data).toEqual([]);
    await me.chat.addToBlacklist({ userIDList: [others[3]!.userID, others[2]!.userID] });
    // Blocking removes the contact.
    expect((await me.chat.getContactList()).data.contactList).toEqual([others[1]!.userID]);

    const inviter = await person('inviter', small);
    await inviter.chat.createGroup({ name: 'a', memberList: [me.userID] });
    await inviter.chat.createGroup({ name: 'b', memberList: [me.userID] });
    const err = await failure(inviter.chat.createGroup({ name: 'c', memberList: [me.userID] }));
    expect({ code: err.code, reason: err.reason, userIDList: err.userIDList }).toEqual({ code: 8040, reason: 'group_invitations', userIDList: [me.userID] });
  });
});
