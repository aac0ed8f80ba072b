/**
 * API.md › Errors, and rule 10 (limits): every row of the error table.
 */
import { describe, expect, it } from 'vitest';
import { createChat } from '../../src/sdk/index.ts';
import {
  ACCEPTED,
  EVENT,
  expectError,
  expectOk,
  invite,
  makeGroup,
  NEW,
  pending,
  sleep,
  TSignaling,
  uid,
  useHarness,
  type ChatLike,
} from './helpers.ts';

const h = useHarness();

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the TSignaling constants', () => {
  it('have the documented string values', () => {
    expect(TSignaling.NEW_INVITATION_RECEIVED).toBe('newInvitationReceived');
    expect(TSignaling.INVITEE_ACCEPTED).toBe('ts_invitee_accepted');
    expect(TSignaling.INVITEE_REJECTED).toBe('ts_invitee_rejected');
    expect(TSignaling.INVITATION_CANCELLED).toBe('ts_invitation_cancelled');
    expect(TSignaling.INVITATION_TIMEOUT).toBe('ts_invitation_timeout');
  });
});

describe('8001 invalid parameter: data', () => {
  it('accepts data of exactly 8192 ASCII bytes and rejects 8193 with reason "data"', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const ok = 'a'.repeat(8192);
    const id = await invite(alice, { userID: bob.userID, data: ok, timeout: 0 });
    const ev = await bob.rec.waitSig(NEW, id);
    expect(ev.data).toBe(ok);
    await expectError(() => alice.chat.invite({ userID: bob.userID, data: 'a'.repeat(8193), timeout: 0 }), 8001, 'data');
  });

  it('counts UTF-8 bytes, not characters: 8192 bytes of multi-byte text pass, 8193 fail', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const ok3 = '€'.repeat(2730) + 'ab'; // 3 bytes each: 8190 + 2
    const okEmoji = '😀'.repeat(2048); // 4 bytes each, 2 UTF-16 units each
    const bad3 = '€'.repeat(2731); // 8193 bytes but only 2731 characters
    const badEmoji = '😀'.repeat(2048) + 'x';
    expect([bytes(ok3), bytes(okEmoji), bytes(bad3), bytes(badEmoji)]).toEqual([8192, 8192, 8193, 8193]);
    const id1 = await invite(alice, { userID: bob.userID, data: ok3, timeout: 0 });
    const id2 = await invite(alice, { userID: bob.userID, data: okEmoji, timeout: 0 });
    expect((await bob.rec.waitSig(NEW, id1)).data).toBe(ok3);
    expect((await bob.rec.waitSig(NEW, id2)).data).toBe(okEmoji);
    await expectError(() => alice.chat.invite({ userID: bob.userID, data: bad3, timeout: 0 }), 8001, 'data');
    await expectError(() => alice.chat.invite({ userID: bob.userID, data: badEmoji, timeout: 0 }), 8001, 'data');
  });

  it('applies the same limit to cancel, accept and reject, and a refused call changes nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const big = '€'.repeat(2731);
    const id = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await expectError(() => bob.chat.accept({ inviteID: id, data: big }), 8001, 'data');
    await expectError(() => bob.chat.reject({ inviteID: id, data: big }), 8001, 'data');
    await expectError(() => alice.chat.cancel({ inviteID: id, data: big }), 8001, 'data');
    expect(await pending(bob, id)).toBeDefined();
    expectOk(await bob.chat.accept({ inviteID: id, data: 'x'.repeat(8192) }), id);
    const ev = await alice.rec.waitSig(ACCEPTED, id);
    expect(ev.data).toBe('x'.repeat(8192));
  });

  it('rejects data that is not a string with reason "data"', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    await expectError(() => alice.chat.invite({ userID: bob, data: 42 }), 8001, 'data');
    await expectError(() => alice.chat.invite({ userID: bob, data: { roomID: 1 } }), 8001, 'data');
  });
});

describe('8001 invalid parameter: timeout', () => {
  it('accepts 0 and 86400', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id0 = await invite(alice, { userID: bob.userID, timeout: 0 });
    const idMax = await invite(alice, { userID: bob.userID, timeout: 86400 });
    expect((await bob.rec.waitSig(NEW, id0)).timeout).toBe(0);
    const ev = await bob.rec.waitSig(NEW, idMax);
    expect(ev.timeout).toBe(86400);
    expect(ev.remaining).toBeGreaterThan(0);
    expect(ev.remaining).toBeLessThanOrEqual(86400);
  });

  it.each([
    ['-1', -1],
    ['1.5', 1.5],
    ['86401', 86401],
    ['a string', '5'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('rejects timeout %s with reason "timeout"', async (_label, timeout) => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    await expectError(() => alice.chat.invite({ userID: bob, timeout }), 8001, 'timeout');
  });

  it('applies the same limits to inviteInGroup', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [bob], timeout: -1 }), 8001, 'timeout');
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [bob], timeout: 1.5 }), 8001, 'timeout');
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [bob], timeout: 86401 }), 8001, 'timeout');
    await expectError(
      () => alice.chat.inviteInGroup({ groupID, inviteeList: [bob], data: '€'.repeat(2731) }),
      8001,
      'data',
    );
  });
});

describe('8001 invalid parameter: inviteeList', () => {
  it('rejects an empty list', async () => {
    const alice = await h().online('alice');
    const groupID = await makeGroup(alice, [await h().user('bob')]);
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [] }), 8001, 'inviteeList');
  });

  it('rejects a list that is not an array', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: bob }), 8001, 'inviteeList');
    await expectError(() => alice.chat.inviteInGroup({ groupID }), 8001, 'inviteeList');
  });

  it('rejects duplicates', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [bob, bob] }), 8001, 'inviteeList');
  });

  it('rejects a list containing the inviter', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    await expectError(
      () => alice.chat.inviteInGroup({ groupID, inviteeList: [bob, alice.userID] }),
      8001,
      'inviteeList',
    );
  });

  it('accepts exactly 100 distinct members and rejects 101', async () => {
    const alice = await h().online('alice');
    const members = await Promise.all(Array.from({ length: 101 }, (_, i) => h().user(`m${i}`)));
    const groupID = await makeGroup(alice, []);
    await h().acquaint(alice.userID, members);
    // add in batches: the contract sets no limit on addGroupMember, and this test is not about it
    for (let i = 0; i < members.length; i += 50) {
      expect((await alice.chat.addGroupMember({ groupID, userIDList: members.slice(i, i + 50) })).code).toBe(0);
    }
    const res = await alice.chat.inviteInGroup({ groupID, inviteeList: members.slice(0, 100), timeout: 0 });
    expectOk(res);
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: members, timeout: 0 }), 8001, 'inviteeList');
  });

  it('rejects an invitee ID with bad characters or of length 65', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    // contract reading: a malformed ID inside inviteeList is reported under the parameter name "inviteeList".
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: ['bad id'] }), 8001, 'inviteeList');
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: ['x'.repeat(65)] }), 8001, 'inviteeList');
    await expectError(() => alice.chat.inviteInGroup({ groupID, inviteeList: [''] }), 8001, 'inviteeList');
  });
});

describe('8001 invalid parameter: user and group IDs', () => {
  it.each([
    ['a space', 'bob smith'],
    ['a slash', 'bob/1'],
    ['a non-ASCII letter', 'bób'],
    ['a plus', 'bob+1'],
    ['length 65', 'b'.repeat(65)],
    ['the empty string', ''],
  ])('rejects a userID containing %s with reason "userID"', async (_label, userID) => {
    const alice = await h().online('alice');
    await expectError(() => alice.chat.invite({ userID }), 8001, 'userID');
  });

  it('rejects a missing or non-string userID', async () => {
    const alice = await h().online('alice');
    await expectError(() => alice.chat.invite({}), 8001, 'userID');
    await expectError(() => alice.chat.invite({ userID: 7 }), 8001, 'userID');
  });

  it('accepts IDs of 64 characters using every allowed character class', async () => {
    const alice = await h().online('alice');
    const id64 = ('Az09_.@-' + 'q'.repeat(64)).slice(0, 64);
    expect(id64).toHaveLength(64);
    await h().server.userSig(id64, 3600);
    const bob = await h().client(id64);
    const inviteID = await invite(alice, { userID: id64, timeout: 0 });
    expect((await bob.rec.waitSig(NEW, inviteID)).inviter).toBe(alice.userID);
  });

  it('rejects a group ID with bad characters or of length 65 with reason "groupID"', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    await expectError(() => alice.chat.inviteInGroup({ groupID: 'bad group', inviteeList: [bob] }), 8001, 'groupID');
    await expectError(() => alice.chat.inviteInGroup({ groupID: 'g'.repeat(65), inviteeList: [bob] }), 8001, 'groupID');
    await expectError(() => alice.chat.inviteInGroup({ inviteeList: [bob] }), 8001, 'groupID');
    await expectError(() => alice.chat.createGroup({ name: 'x', groupID: 'bad#group' }), 8001, 'groupID');
  });

  it('rejects inviting yourself', async () => {
    const alice = await h().online('alice');
    // contract reading: "inviteeList ... not the inviter" also holds for 1:1 invite, whose parameter is userID.
    await expectError(() => alice.chat.invite({ userID: alice.userID }), 8001, 'userID');
  });

  it('rejects a missing or non-string inviteID on cancel, accept and reject', async () => {
    const alice = await h().online('alice');
    await expectError(() => alice.chat.cancel({}), 8001, 'inviteID');
    await expectError(() => alice.chat.accept({ inviteID: 12 }), 8001, 'inviteID');
    await expectError(() => alice.chat.reject({ inviteID: null }), 8001, 'inviteID');
  });

  it('rejects an offlinePushInfo that is not an object', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    // contract reading: "of the wrong type" covers offlinePushInfo too.
    await expectError(() => alice.chat.invite({ userID: bob, offlinePushInfo: 'push me' }), 8001, 'offlinePushInfo');
  });

  it('rejects a non-boolean onlineUserOnly', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    await expectError(() => alice.chat.invite({ userID: bob, onlineUserOnly: 'yes' }), 8001, 'onlineUserOnly');
  });

  it('never throws synchronously, even for garbage options', async () => {
    const alice = await h().online('alice');
    await expectError(() => (alice.chat.invite as (o?: unknown) => Promise<unknown>)(undefined), 8001, 'userID');
    await expectError(() => (alice.chat.accept as (o?: unknown) => Promise<unknown>)(null), 8001, 'inviteID');
  });
});

describe('8002 user_not_found', () => {
  it('fails to invite a well-formed ID nobody registered', async () => {
    const alice = await h().online('alice');
    const err = await expectError(() => alice.chat.invite({ userID: uid('ghost') }), 8002, 'user_not_found');
    expect(err.code).toBe(8002);
    expect(await alice.chat.getPendingInvitations().then((r: any) => r.data.invitationList)).toEqual([]);
  });
});

describe('8003 group_not_found', () => {
  it('fails to invite in a group that does not exist', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    await expectError(() => alice.chat.inviteInGroup({ groupID: uid('nogroup'), inviteeList: [bob] }), 8003, 'group_not_found');
  });

  it('fails to join or read a group that does not exist', async () => {
    const alice = await h().online('alice');
    // contract reading: 8003 is the error for every call naming a group that does not exist.
    await expectError(() => alice.chat.joinGroup({ groupID: uid('nogroup') }), 8003, 'group_not_found');
    await expectError(() => alice.chat.getGroupProfile({ groupID: uid('nogroup') }), 8003, 'group_not_found');
  });
});

describe('8004 not_group_member', () => {
  it('lists the invitees that are not members in userIDList', async () => {
    const alice = await h().online('alice');
    const [bob, carol, dave] = await h().users('bob', 'carol', 'dave');
    const groupID = await makeGroup(alice, [bob!]);
    const err = await expectError(
      () => alice.chat.inviteInGroup({ groupID, inviteeList: [bob, carol, dave] }),
      8004,
      'not_group_member',
    );
    expect([...err.userIDList].sort()).toEqual([carol!, dave!].sort());
  });

  it('lists the inviter and the invitees together when none of them is a member', async () => {
    const alice = await h().online('alice');
    const carol = await h().online('carol');
    const [bob, dave] = await h().users('bob', 'dave');
    const groupID = await makeGroup(alice, [bob!]);
    const err = await expectError(() => carol.chat.inviteInGroup({ groupID, inviteeList: [bob, dave] }), 8004, 'not_group_member');
    expect([...err.userIDList].sort()).toEqual([carol.userID, dave!].sort());
  });

  it('lists the inviter when the inviter is not a member', async () => {
    const alice = await h().online('alice');
    const carol = await h().online('carol');
    const bob = await h().user('bob');
    const groupID = await makeGroup(alice, [bob]);
    const err = await expectError(() => carol.chat.inviteInGroup({ groupID, inviteeList: [bob] }), 8004, 'not_group_member');
    expect(err.userIDList).toEqual([carol.userID]);
  });
});

describe('2024 not_logged_in', () => {
  const calls = (chat: ChatLike, other: string): [string, () => Promise<unknown>][] => [
    ['invite', () => chat.invite({ userID: other })],
    ['inviteInGroup', () => chat.inviteInGroup({ groupID: 'g1', inviteeList: [other] })],
    ['cancel', () => chat.cancel({ inviteID: 'x' })],
    ['accept', () => chat.accept({ inviteID: 'x' })],
    ['reject', () => chat.reject({ inviteID: 'x' })],
    ['getPendingInvitations', () => chat.getPendingInvitations()],
    ['createGroup', () => chat.createGroup({ name: 'g' })],
    ['getGroupList', () => chat.getGroupList()],
    ['getMessageList', () => chat.getMessageList({ conversationID: 'C2C' + other })],
    ['getConversationList', () => chat.getConversationList()],
  ];

  it('fails every call made before login', async () => {
    const chat = createChat({ server: h().url }) as unknown as ChatLike;
    try {
      for (const [, call] of calls(chat, 'bob')) await expectError(call, 2024, 'not_logged_in');
    } finally {
      await chat.destroy();
    }
  });

  it('fails a call made before login resolved', async () => {
    const alice = await h().client(await h().user('alice'), { login: false });
    const bob = await h().user('bob');
    const login = alice.login();
    // contract reading: "called before login resolved" includes a call made while login is in flight.
    await expectError(() => alice.chat.invite({ userID: bob }), 2024, 'not_logged_in');
    await login;
    expectOk(await alice.chat.invite({ userID: bob, timeout: 0 }));
  });

  it('fails every call made after logout, and the logged-out session hears nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    await alice.chat.logout();
    for (const [, call] of calls(alice.chat, bob.userID)) await expectError(call, 2024, 'not_logged_in');
    // a second device of alice, logged in, hears the invitation: the server has published it by then
    const alice2 = await h().client(alice.userID, { label: 'alice#2' });
    const id = await invite(bob, { userID: alice.userID, timeout: 0 });
    await alice2.rec.waitSig(NEW, id);
    await alice2.rec.barrier();
    expect(alice.rec.sig(NEW, id)).toEqual([]);
  });
});

describe('70001 bad_user_sig', () => {
  it('refuses a malformed userSig, and the client stays logged out', async () => {
    const alice = await h().client(await h().user('alice'), { login: false });
    await expectError(() => alice.chat.login({ userID: alice.userID, userSig: 'not-a-token' }), 70001, 'bad_user_sig');
    await expectError(() => alice.chat.getPendingInvitations(), 2024, 'not_logged_in');
  });

  it("refuses another user's userSig (a token for bob used to log in as alice)", async () => {
    const aliceID = await h().user('alice');
    const bobID = await h().user('bob');
    const alice = await h().client(aliceID, { login: false });
    const bobSig = await h().server.userSig(bobID, 3600);
    await expectError(() => alice.chat.login({ userID: aliceID, userSig: bobSig }), 70001, 'bad_user_sig');
    await expectError(() => alice.chat.invite({ userID: bobID }), 2024, 'not_logged_in');
  });

  it('refuses an expired userSig', async () => {
    const aliceID = await h().user('alice');
    const sig = await h().server.userSig(aliceID, 1);
    await sleep(2100);
    const alice = await h().client(aliceID, { login: false });
    await expectError(() => alice.chat.login({ userID: aliceID, userSig: sig }), 70001, 'bad_user_sig');
  });

  it('accepts a valid userSig and login resolves once SDK_READY was emitted', async () => {
    const alice = await h().online('alice');
    // contract reading: "resolves once ready (EVENT.SDK_READY)" — the event has fired by the time login resolves.
    const firedByResolve = alice.rec.events.some((e) => e.name === 'SDK_READY');
    const ready = await alice.rec.waitFor((e) => e.name === 'SDK_READY', 5000, 'SDK_READY at all');
    expect(ready.reportedName).toBe(EVENT.SDK_READY);
    expect(firedByResolve, 'SDK_READY fired, but only after login had resolved').toBe(true);
  });
});
