/**
 * Transfer and add someone in the worker's call state (calls.ts) and the call window's room
 * (room.ts): pure transitions, no I/O (docs/CALLS.md "Transfer and add someone").
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_CALL_STATE, isAdHoc, isHoldable, transition, type CallState } from '../../src/extension/background/calls.ts';
import { createRoom, transition as roomTransition } from '../../src/extension/call/room.ts';
import { DEFAULT_SETTINGS } from '../../src/extension/shared/schema.ts';
import { encodeCallEnd, encodeInvite, encodeJoinInvite, hasJoinKey } from '../../src/protocol/call-data.ts';
import type { NewInvitationData } from '../../src/protocol/signaling.ts';

const ctx = (me: string, now = 1_000_000) => ({ me, now, settings: { ...DEFAULT_SETTINGS } });
const inv = (over: Partial<NewInvitationData>): NewInvitationData => ({ inviteID: 'x', inviter: 'alice', groupID: '', inviteeList: ['bob'], data: encodeInvite('r1', 'audio'), timeout: 30, remaining: 30, ...over });

/** `me` in a running call X between alice (inviter) and bob. */
function inCall(me: 'alice' | 'bob'): CallState {
  if (me === 'bob') {
    const rung = transition(EMPTY_CALL_STATE, { type: 'invited', inv: inv({}) }, ctx('bob')).state;
    return transition(rung, { type: 'localAccepted', inviteID: 'x' }, ctx('bob')).state;
  }
  const dialled = transition(EMPTY_CALL_STATE, { type: 'dialled', inv: inv({}) }, ctx('alice')).state;
  return transition(dialled, { type: 'accepted', inviteID: 'x', invitee: 'bob', data: '' }, ctx('alice')).state;
}

const transferData = encodeJoinInvite('r2', 'audio', { kind: 'transfer', by: 'bob', callInviteID: 'x', parties: ['alice'] });
const addData = encodeJoinInvite('r1', 'audio', { kind: 'add', by: 'bob', callInviteID: 'x', parties: ['alice', 'bob'] });

describe('transfer in the worker', () => {
  it('the target rings with the join marker; answering makes a 1:1 call with the transferred party', () => {
    const rung = transition(EMPTY_CALL_STATE, { type: 'invited', inv: inv({ inviteID: 'y', inviteeList: ['carol'], data: transferData }) }, ctx('carol')).state;
    expect(rung.calls[0]!.join).toEqual({ kind: 'transfer', by: 'bob', callInviteID: 'x', parties: ['alice'] });
    const a = transition(rung, { type: 'localAccepted', inviteID: 'y' }, ctx('carol')).state.active!;
    expect(a).toMatchObject({ peer: 'alice', roomID: 'r2', participants: ['alice', 'carol'] });
    expect(isAdHoc(a)).toBe(false);
  });

  it('the marker means nothing on a group invitation', () => {
    const rung = transition(EMPTY_CALL_STATE, { type: 'invited', inv: inv({ inviteID: 'y', groupID: 'g', inviteeList: ['carol'], data: transferData }) }, ctx('carol')).state;
    expect(rung.calls[0]!.join).toBeUndefined();
  });

  it('the transferred party: the end-of-call marker "transferred" ends the call, says so, and asks for the pending list; a decline is told in words', () => {
    const before = inCall('alice');
    const end = inv({ inviteID: 'e', inviter: 'bob', inviteeList: ['alice'], data: encodeCallEnd('x', 'r1', 12, 'transferred', 'y') });
    const { state, effects } = transition(before, { type: 'invited', inv: end }, ctx('alice'));
    expect(state.active).toBeNull();
    expect(state.notice).toMatchObject({ key: 'noticeTransferring', subs: ['bob'] });
    expect(state.lastEnded).toEqual({ inviteID: 'x', seconds: 12 });
    expect(effects).toEqual([{ type: 'ack', inviteID: 'e' }, { type: 'refreshPending' }]);
    // The reconcile lists the server's invitation in my name.
    const listed = transition(state, { type: 'reconciled', pending: [{ ...inv({ inviteID: 'y', inviteeList: ['carol'], data: transferData }) }], endings: {} }, ctx('alice')).state;
    expect(listed.calls[0]).toMatchObject({ inviteID: 'y', direction: 'outgoing', join: { kind: 'transfer', by: 'bob' } });
    const declined = transition(listed, { type: 'rejected', inviteID: 'y', invitee: 'carol', data: '' }, ctx('alice')).state;
    expect(declined.notice).toMatchObject({ key: 'noticeTransferDeclined', subs: ['carol', 'bob'] });
    const silent = transition(listed, { type: 'timeout', inviteID: 'y', inviteeList: ['carol'], isSelfTimeout: false }, ctx('alice')).state;
    expect(silent.notice).toMatchObject({ key: 'noticeTransferNoAnswer', subs: ['carol', 'bob'] });
    const answered = transition(listed, { type: 'accepted', inviteID: 'y', invitee: 'carol', data: '' }, ctx('alice'));
    expect(answered.state.active).toMatchObject({ inviteID: 'y', peer: 'carol', roomID: 'r2' });
    expect(answered.effects).toEqual([{ type: 'openCallPage' }]);
  });

  it('a transfer marker that arrives after my window already ended the call is still followed', () => {
    const ended = transition(inCall('alice'), { type: 'ended', reason: 'peer_lost', seconds: 4 }, ctx('alice')).state;
    const end = inv({ inviteID: 'e', inviter: 'bob', inviteeList: ['alice'], data: encodeCallEnd('x', 'r1', 4, 'transferred', 'y') });
    const { state, effects } = transition(ended, { type: 'invited', inv: end }, ctx('alice'));
    expect(state.notice).toMatchObject({ key: 'noticeTransferring' });
    expect(effects).toEqual([{ type: 'ack', inviteID: 'e' }, { type: 'refreshPending' }]);
  });

  it('the one who transfers: ended with "transferred" names both', () => {
    const { state } = transition(inCall('bob'), { type: 'ended', reason: 'transferred', seconds: 3, to: 'carol' }, ctx('bob'));
    expect(state.notice).toMatchObject({ key: 'noticeYouTransferred', subs: ['alice', 'carol'] });
  });
});

describe('add someone in the worker', () => {
  it('the adder: the target answering joins the running call, which goes on when one leaves', () => {
    const dialled = transition(inCall('bob'), { type: 'dialled', inv: inv({ inviteID: 'y', inviter: 'bob', inviteeList: ['carol'], data: addData }) }, ctx('bob')).state;
    const three = transition(dialled, { type: 'accepted', inviteID: 'y', invitee: 'carol', data: '' }, ctx('bob')).state;
    expect(three.active).toMatchObject({ inviteID: 'x', adHoc: true });
    expect(three.active!.participants!.sort()).toEqual(['alice', 'bob', 'carol']);
    // A 1:1 call holds; once several share it, nobody is the one other side to hold for.
    expect([isHoldable(inCall('bob').active!), isHoldable(three.active!)]).toEqual([true, false]);
    expect(three.calls).toEqual([]);
    // alice hangs up: her marker removes her; carol and I go on.
    const end = inv({ inviteID: 'e', inviter: 'alice', inviteeList: ['bob'], data: encodeCallEnd('x', 'r1', 20) });
    const two = transition(three, { type: 'invited', inv: end }, ctx('bob')).state;
    expect(two.active!.participants!.sort()).toEqual(['bob', 'carol']);
    expect(two.notice).toMatchObject({ key: 'noticeLeftCall', subs: ['alice'] });
    // carol hangs up too (her marker names her own invitation): I am alone, the call ends.
    const last = inv({ inviteID: 'e2', inviter: 'carol', inviteeList: ['bob'], data: encodeCallEnd('y', 'r1', 9) });
    expect(transition(two, { type: 'invited', inv: last }, ctx('bob')).state.active).toBeNull();
  });

  it('the target: answering joins the call room with every party; the others learn of it from their window', () => {
    const rung = transition(EMPTY_CALL_STATE, { type: 'invited', inv: inv({ inviteID: 'y', inviter: 'bob', inviteeList: ['carol'], data: addData }) }, ctx('carol')).state;
    const a = transition(rung, { type: 'localAccepted', inviteID: 'y' }, ctx('carol')).state.active!;
    expect(a).toMatchObject({ roomID: 'r1', adHoc: true });
    expect([...a.participants!].sort()).toEqual(['alice', 'bob', 'carol']);
    const joined = transition(inCall('alice'), { type: 'joined', userIDs: ['carol'] }, ctx('alice')).state;
    expect(joined.active).toMatchObject({ adHoc: true, participants: ['alice', 'bob', 'carol'] });
  });
});

describe('the room of a call made from a 1:1 call', () => {
  const env = (from: string) => ({ businessID: 'ringlet.rtc' as const, version: 1 as const, roomID: 'r1', from, sid: `${from}-1` });
  it('admits whom a participant vouches for, never on a stranger\'s word', () => {
    const r = createRoom('alice', 'a-s', 'r1', ['alice', 'bob']);
    const byBob = roomTransition(r, { type: 'received', now: 1, msg: { ...env('bob'), type: 'admit', users: ['carol'] } });
    expect(byBob.room.allowed).toEqual(['alice', 'bob', 'carol']);
    expect(byBob.effects).toEqual([{ type: 'vouched', userIDs: ['carol'], by: 'bob' }]);
    const byMallory = roomTransition(r, { type: 'received', now: 1, msg: { ...env('mallory'), type: 'admit', users: ['mallory', 'eve'] } });
    expect(byMallory.room.allowed).toEqual(['alice', 'bob']);
    expect(byMallory.effects).toEqual([{ type: 'ignored', userID: 'mallory' }]);
  });
});

describe('the join marker', () => {
  it('is recognised in client data so the server can refuse it', () => {
    expect(hasJoinKey(transferData)).toBe(true);
    expect(hasJoinKey(encodeInvite('r', 'audio'))).toBe(false);
    expect(hasJoinKey('not json')).toBe(false);
  });
});
