import { describe, expect, it } from 'vitest';
import { transition, EMPTY_CALL_STATE, ringingCalls, type CallState } from '../../src/extension/background/calls.ts';
import type { NewInvitationData as Invitation } from '../../src/protocol/signaling.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/extension/shared/schema.ts';
import { encodeCallEnd, encodeInvite } from '../../src/protocol/call-data.ts';

const ctx = (settings: Partial<Settings> = {}, now = 1_000_000) => ({ me: 'bob', now, settings: { ...DEFAULT_SETTINGS, ...settings } });
const inv = (over: Partial<Invitation> = {}): Invitation => ({
  inviteID: 'i1',
  inviter: 'alice',
  groupID: '',
  inviteeList: ['bob'],
  data: encodeInvite('room-1', 'video'),
  timeout: 30,
  remaining: 20,
  ...over,
});
const ring = (state: CallState = EMPTY_CALL_STATE, over: Partial<Invitation> = {}, settings: Partial<Settings> = {}) =>
  transition(state, { type: 'invited', inv: inv(over) }, ctx(settings));

describe('transition', () => {
  it('rings for a new invitation, deadline from the server clock', () => {
    const { state, effects } = ring();
    expect(effects).toEqual([]);
    expect(ringingCalls(state)).toHaveLength(1);
    expect(state.calls[0]).toMatchObject({ direction: 'incoming', callType: 'video', roomID: 'room-1', deadline: 1_000_000 + 20_000 });
  });

  it('lists several invitations newest first and ignores a re-announced one', () => {
    const a = ring().state;
    const b = ring(a, { inviteID: 'i2', inviter: 'carol' }).state;
    expect(b.calls.map((c) => c.inviteID)).toEqual(['i2', 'i1']);
    expect(ring(b).state).toBe(b);
  });

  it('ignores a group invitation that does not list me', () => {
    const { state } = ring(EMPTY_CALL_STATE, { groupID: 'g', inviteeList: ['carol'] });
    expect(state.calls).toEqual([]);
  });

  it('rejects with a busy reason in data while in a call', () => {
    const inCall = transition(ring().state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
    const { state, effects } = ring(inCall, { inviteID: 'i2' });
    expect(state.calls).toEqual([]);
    expect(effects).toEqual([{ type: 'autoReject', inviteID: 'i2', data: expect.stringContaining('"reason":"busy"') }]);
  });

  it('shows call waiting instead when the setting says so, without ringing', () => {
    const inCall = transition(ring().state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
    const { state, effects } = ring(inCall, { inviteID: 'i2' }, { whileInCall: 'waiting' });
    expect(effects).toEqual([]);
    expect(state.calls[0]).toMatchObject({ inviteID: 'i2', waiting: true });
    expect(ringingCalls(state)).toEqual([]);
  });

  it('auto-rejects as busy in do-not-disturb', () => {
    const { effects } = ring(EMPTY_CALL_STATE, {}, { doNotDisturb: true });
    expect(effects[0]).toMatchObject({ type: 'autoReject', data: expect.stringContaining('do_not_disturb') });
  });

  it('stops ringing when my other device accepts ("answered elsewhere")', () => {
    const { state } = transition(ring().state, { type: 'accepted', inviteID: 'i1', invitee: 'bob', data: '' }, ctx());
    expect(state.calls).toEqual([]);
    expect(state.active).toBeNull();
    expect(state.notice?.key).toBe('noticeAnsweredElsewhere');
  });

  it('keeps ringing when another invitee of a group call accepts', () => {
    const g = ring(EMPTY_CALL_STATE, { groupID: 'g', inviteeList: ['bob', 'carol'] }).state;
    const { state } = transition(g, { type: 'accepted', inviteID: 'i1', invitee: 'carol', data: '' }, ctx());
    expect(state.calls).toHaveLength(1);
  });

  it('counts a timeout as a missed call with a notification', () => {
    const { state, effects } = transition(ring().state, { type: 'timeout', inviteID: 'i1', inviteeList: ['bob'], isSelfTimeout: true }, ctx());
    expect(state.calls).toEqual([]);
    expect(state.missed).toBe(1);
    expect(effects[0]).toMatchObject({ type: 'missedNotification' });
  });

  it('keeps a notice to one event: the next call replaces it (no stale "cancelled" over a later missed call)', () => {
    const cancelled = transition(ring().state, { type: 'cancelled', inviteID: 'i1' }, ctx()).state;
    expect(cancelled.notice).toMatchObject({ key: 'noticeCancelled', subs: ['alice'] });
    const ringing = ring(cancelled, { inviteID: 'i2', inviter: 'carol' }).state;
    expect(ringing.notice).toBeNull();
    const missed = transition(ringing, { type: 'timeout', inviteID: 'i2', inviteeList: ['bob'], isSelfTimeout: true }, ctx()).state;
    expect(missed.notice).toMatchObject({ key: 'missedCallFrom', subs: ['carol'] });
  });

  it('makes my answered outgoing call active and opens the call page', () => {
    const dialled = transition(EMPTY_CALL_STATE, { type: 'dialled', inv: inv({ inviteID: 'o1', inviter: 'bob', inviteeList: ['alice'] }) }, ctx()).state;
    const { state, effects } = transition(dialled, { type: 'accepted', inviteID: 'o1', invitee: 'alice', data: '' }, ctx({}, 2_000_000));
    expect(state.active).toMatchObject({ inviteID: 'o1', peer: 'alice', startedAt: 2_000_000 });
    expect(effects).toEqual([{ type: 'openCallPage' }]);
  });

  it('says the callee is busy when the reject data says so', () => {
    const dialled = transition(EMPTY_CALL_STATE, { type: 'dialled', inv: inv({ inviteID: 'o1', inviter: 'bob', inviteeList: ['alice'] }) }, ctx()).state;
    const { state } = transition(dialled, { type: 'rejected', inviteID: 'o1', invitee: 'alice', data: '{"version":1,"reason":"busy","detail":"in_call"}' }, ctx());
    expect(state.calls).toEqual([]);
    expect(state.notice).toMatchObject({ key: 'noticeBusy', subs: ['alice'] });
  });

  it('ends the active call on the seed hang-up invitation and acknowledges it, without ringing', () => {
    const active = transition(ring().state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
    const { state, effects } = ring(active, { inviteID: 'end-1', data: encodeCallEnd('i1', 'room-1', 42) });
    expect(state.active).toBeNull();
    expect(state.calls).toEqual([]);
    expect(effects).toEqual([{ type: 'ack', inviteID: 'end-1' }]);
    // The call window shows the marker's duration: the number the call log shows.
    expect(state.lastEnded).toEqual({ inviteID: 'i1', seconds: 42 });
  });

  it('my own hang-up keeps the duration my marker carries, else the one from start to now', () => {
    const active = transition(ring().state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
    expect(transition(active, { type: 'ended', seconds: 7 }, ctx({}, 1_000_000 + 9_400)).state.lastEnded).toEqual({ inviteID: 'i1', seconds: 7 });
    expect(transition(active, { type: 'ended' }, ctx({}, 1_000_000 + 9_400)).state.lastEnded).toEqual({ inviteID: 'i1', seconds: 9 });
  });

  describe('membership changes (API.md rules 6 and 9: heard by the requesting session too)', () => {
    const groupRing = () => ring(EMPTY_CALL_STATE, { groupID: 'team', inviteeList: ['bob', 'carol'] }).state;
    const groupDial = () =>
      transition(
        EMPTY_CALL_STATE,
        { type: 'dialled', inv: inv({ inviteID: 'o1', inviter: 'bob', groupID: 'team', inviteeList: ['alice', 'carol'] }) },
        ctx(),
      ).state;

    it('stops ringing when I left or was removed from the group (left_group for me), saying so', () => {
      const { state, effects } = transition(groupRing(), { type: 'rejected', inviteID: 'i1', invitee: 'bob', data: '', reason: 'left_group' }, ctx());
      expect(ringingCalls(state)).toEqual([]);
      expect(effects).toEqual([]);
      expect(state.notice).toMatchObject({ key: 'noticeLeftGroup', subs: ['team'] });
    });

    it('keeps ringing when another invitee leaves the group', () => {
      const before = groupRing();
      const { state } = transition(before, { type: 'rejected', inviteID: 'i1', invitee: 'carol', data: '', reason: 'left_group' }, ctx());
      expect(state).toBe(before);
    });

    it('stops ringing when the inviter leaves or the group is dismissed', () => {
      const left = transition(groupRing(), { type: 'cancelled', inviteID: 'i1', reason: 'inviter_left' }, ctx()).state;
      expect(ringingCalls(left)).toEqual([]);
      expect(left.notice).toMatchObject({ key: 'noticeInviterLeft', subs: ['alice', 'team'] });
      const gone = transition(groupRing(), { type: 'cancelled', inviteID: 'i1', reason: 'group_dismissed' }, ctx()).state;
      expect(ringingCalls(gone)).toEqual([]);
      expect(gone.notice).toMatchObject({ key: 'noticeGroupDismissed', subs: ['team'] });
    });

    it('stops dialling when I leave the group (inviter_left) or it is dismissed', () => {
      const left = transition(groupDial(), { type: 'cancelled', inviteID: 'o1', reason: 'inviter_left' }, ctx()).state;
      expect(left.calls).toEqual([]);
      expect(left.notice).toMatchObject({ key: 'noticeLeftGroup', subs: ['team'] });
      const gone = transition(groupDial(), { type: 'cancelled', inviteID: 'o1', reason: 'group_dismissed' }, ctx()).state;
      expect(gone.calls).toEqual([]);
      expect(gone.notice?.key).toBe('noticeGroupDismissed');
    });

    it('keeps dialling the others when one invitee leaves, and says who left', () => {
      const { state } = transition(groupDial(), { type: 'rejected', inviteID: 'o1', invitee: 'carol', data: '', reason: 'left_group' }, ctx());
      expect(state.calls[0]).toMatchObject({ inviteID: 'o1', pending: ['alice'] });
      expect(state.notice).toMatchObject({ key: 'noticeInviteeLeft', subs: ['carol'] });
    });
  });

  describe('participants (who may join the room and end the call)', () => {
    const group = { groupID: 'g', inviteeList: ['bob', 'carol', 'dave'] };

    it('are the inviter and the invitees the server said accepted, me included', () => {
      let s = ring(EMPTY_CALL_STATE, group).state;
      s = transition(s, { type: 'accepted', inviteID: 'i1', invitee: 'carol', data: '' }, ctx()).state; // before me
      s = transition(s, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
      expect(s.active?.participants).toEqual(['alice', 'carol', 'bob']);
      s = transition(s, { type: 'accepted', inviteID: 'i1', invitee: 'dave', data: '' }, ctx()).state; // after me
      expect(s.active?.participants).toEqual(['alice', 'carol', 'bob', 'dave']);
    });

    it('of my outgoing call start with the first invitee who accepts', () => {
      let s = transition(EMPTY_CALL_STATE, { type: 'dialled', inv: inv({ inviteID: 'o1', inviter: 'bob', groupID: 'g', inviteeList: ['alice', 'carol'] }) }, ctx()).state;
      s = transition(s, { type: 'accepted', inviteID: 'o1', invitee: 'carol', data: '' }, ctx()).state;
      s = transition(s, { type: 'accepted', inviteID: 'o1', invitee: 'alice', data: '' }, ctx()).state;
      expect(s.active?.participants).toEqual(['bob', 'carol', 'alice']);
    });

    it("a stranger's callEnd naming a group call's inviteID does not end it", () => {
      const active = transition(ring(EMPTY_CALL_STATE, group).state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
      const stranger = ring(active, { inviteID: 'end-x', inviter: 'mallory', groupID: '', inviteeList: ['bob'], data: encodeCallEnd('i1', 'room-1', 1) });
      expect(stranger.state.active).toMatchObject({ inviteID: 'i1' });
      expect(stranger.effects).toEqual([{ type: 'ack', inviteID: 'end-x' }]); // closed quietly, never rings
      // An uninvited group member (who heard the roomID) cannot end it either.
      const member = ring(active, { inviteID: 'end-y', inviter: 'dave', groupID: '', inviteeList: ['bob'], data: encodeCallEnd('i1', 'room-1', 1) });
      expect(member.state.active).toMatchObject({ inviteID: 'i1' });
      // A participant can.
      const inviter = ring(active, { inviteID: 'end-z', inviter: 'alice', groupID: '', inviteeList: ['bob'], data: encodeCallEnd('i1', 'room-1', 1) });
      expect(inviter.state.active).toBeNull();
    });

    it("a stranger's callEnd does not end a 1:1 call", () => {
      const active = transition(ring().state, { type: 'localAccepted', inviteID: 'i1' }, ctx()).state;
      expect(ring(active, { inviteID: 'end-x', inviter: 'mallory', data: encodeCallEnd('i1', 'room-1', 1) }).state.active).toMatchObject({ inviteID: 'i1' });
    });
  });

  describe('reconciled', () => {
    it('keeps still-pending entries as they are, so nothing rings or notifies twice', () => {
      const before = ring().state;
      const { state, effects } = transition(before, { type: 'reconciled', pending: [inv()], endings: {} }, ctx({}, 9_999_999));
      expect(state.calls).toEqual(before.calls);
      expect(effects).toEqual([]);
    });

    it('drops entries that ended while asleep and counts a timed-out one as missed', () => {
      const two = ring(ring().state, { inviteID: 'i2' }).state;
      const { state, effects } = transition(two, { type: 'reconciled', pending: [], endings: { i1: 'timeout', i2: 'accepted' } }, ctx());
      expect(state.calls).toEqual([]);
      expect(state.missed).toBe(1);
      expect(effects).toHaveLength(1);
    });

    it('adds pending invitations it did not know, mine as outgoing', () => {
      const { state } = transition(
        EMPTY_CALL_STATE,
        { type: 'reconciled', pending: [inv(), inv({ inviteID: 'o9', inviter: 'bob', inviteeList: ['dave'] })], endings: {} },
        ctx(),
      );
      expect(state.calls.map((c) => [c.inviteID, c.direction])).toEqual(
        expect.arrayContaining([['i1', 'incoming'], ['o9', 'outgoing']]),
      );
    });
  });
});
