import { describe, expect, it } from 'vitest';
import { EMPTY_CALL_STATE, incomingCalls, releaseTarget, ringingCalls, transition, type CallEvent, type CallState } from '../../src/extension/background/calls.ts';
import type { NewInvitationData as Invitation } from '../../src/protocol/signaling.ts';
import { DEFAULT_SETTINGS } from '../../src/extension/shared/schema.ts';
import { decodeClassroom, encodeCallEnd, encodeClassroom } from '../../src/protocol/call-data.ts';

const ctx = (me: string) => ({ me, now: 5000, settings: DEFAULT_SETTINGS });
/** In a class alice teaches (the call's invitation said mode classroom). */
const inGroupCall = (_me: string): CallState => ({
  ...EMPTY_CALL_STATE,
  active: { inviteID: 'call-1', direction: 'incoming', peer: 'class', groupID: 'class', groupOwner: 'alice', callType: 'audio', roomID: 'room-1', startedAt: 1000, mode: 'classroom', participants: ['alice', 'bob', 'carol'] },
  classroom: { groupID: 'class', roomID: 'room-1', teacher: 'alice', handsInviteID: null, hands: [], speakInviteID: null, invitedSpeaker: null, speaker: null },
});
/** A plain group call of the same group: no class. */
const plainCall = (): CallState => ({ ...inGroupCall(''), active: { ...inGroupCall('').active!, mode: undefined }, classroom: null });
const action = (over: Partial<Invitation>): Invitation => ({
  inviteID: 'hands-1',
  inviter: 'alice',
  groupID: 'class',
  inviteeList: ['bob', 'carol'],
  data: encodeClassroom('raiseHand', 'room-1', 'call-1'),
  timeout: 60,
  remaining: 60,
  ...over,
});
const run = (state: CallState, me: string, ...events: CallEvent[]) => events.reduce((s, e) => transition(s, e, ctx(me)).state, state);

describe('classroom mode', () => {
  it('encodes its actions as documented', () => {
    expect(JSON.parse(encodeClassroom('speak', 'room-1', 'call-1'))).toEqual({ version: 1, classroom: 'speak', roomID: 'room-1', callInviteID: 'call-1' });
    expect(decodeClassroom(encodeCallEnd('c', 'r', 3))).toBeNull();
  });

  it('shows a student the "raise hand" prompt without ringing, busy-rejecting or notifying as a call', () => {
    const { state, effects } = transition(inGroupCall('bob'), { type: 'invited', inv: action({}) }, ctx('bob'));
    expect(effects).toEqual([]);
    expect(incomingCalls(state)).toMatchObject([{ inviteID: 'hands-1', kind: 'raiseHand' }]);
    expect(ringingCalls(state)).toEqual([]);
    expect(state.classroom).toMatchObject({ teacher: 'alice', handsInviteID: 'hands-1', hands: [] });
  });

  it('ignores classroom actions from anyone but the teacher, outside the call, and in a plain group call', () => {
    expect(transition(inGroupCall('bob'), { type: 'invited', inv: action({ inviter: 'carol' }) }, ctx('bob')).state).toEqual(inGroupCall('bob'));
    expect(transition(EMPTY_CALL_STATE, { type: 'invited', inv: action({}) }, ctx('bob')).state).toBe(EMPTY_CALL_STATE);
    // The group's owner asking for hands in an ordinary call: no classroom, no prompt.
    const plain = transition(plainCall(), { type: 'invited', inv: action({}) }, ctx('bob')).state;
    expect(plain.classroom).toBeNull();
    expect(plain.calls).toEqual([]);
    expect(transition(plainCall(), { type: 'classroomSent', action: 'raiseHand', inviteID: 'h', invitees: ['bob'] }, ctx('alice')).state.classroom).toBeNull();
  });

  it('a class begins when its call is answered: the teacher is its inviter; a plain group call has none', () => {
    const classInvite: Invitation = { inviteID: 'call-1', inviter: 'alice', groupID: 'class', inviteeList: ['bob'], data: JSON.stringify({ version: 1, roomID: 'room-1', callType: 'video', mode: 'classroom' }), timeout: 30, remaining: 30 };
    const bob = run(EMPTY_CALL_STATE, 'bob', { type: 'invited', inv: classInvite, groupOwner: 'alice' }, { type: 'localAccepted', inviteID: 'call-1' });
    expect(bob.active?.mode).toBe('classroom');
    expect(bob.classroom).toMatchObject({ teacher: 'alice', hands: [], speaker: null });
    const teacher = run(EMPTY_CALL_STATE, 'alice', { type: 'dialled', inv: classInvite, groupOwner: 'alice' }, { type: 'accepted', inviteID: 'call-1', invitee: 'bob', data: '' });
    expect(teacher.classroom).toMatchObject({ teacher: 'alice' });
    const plain = run(EMPTY_CALL_STATE, 'bob', { type: 'invited', inv: { ...classInvite, data: JSON.stringify({ version: 1, roomID: 'room-1', callType: 'video' }) } }, { type: 'localAccepted', inviteID: 'call-1' });
    expect(plain.classroom).toBeNull();
    // A "class" from someone who is not the group's owner is a plain call.
    const forged = run(EMPTY_CALL_STATE, 'bob', { type: 'invited', inv: { ...classInvite, inviter: 'carol' }, groupOwner: 'alice' }, { type: 'localAccepted', inviteID: 'call-1' });
    expect(forged.classroom).toBeNull();
  });

  it('a student raises a hand unasked (handUp, to the end of the queue); the teacher lowers every hand (lowerHands)', () => {
    const up = (inviter: string, id: string) => action({ inviteID: id, inviter, inviteeList: ['alice'], data: encodeClassroom('handUp', 'room-1', 'call-1') });
    const teacher = transition(run(inGroupCall('alice'), 'alice', { type: 'invited', inv: up('carol', 'u1') }), { type: 'invited', inv: up('bob', 'u2') }, ctx('alice'));
    expect(teacher.state.classroom?.hands).toEqual(['carol', 'bob']);
    expect(teacher.effects).toEqual([{ type: 'ack', inviteID: 'u2' }]);
    const dave = run(inGroupCall('dave'), 'dave', { type: 'invited', inv: up('carol', 'u1') }, { type: 'invited', inv: up('bob', 'u2') }, { type: 'invited', inv: up('bob', 'u3') });
    expect(dave.classroom?.hands).toEqual(['carol', 'bob']); // once each, in order
    expect(run(inGroupCall('bob'), 'bob', { type: 'classroomSent', action: 'handUp', inviteID: 'u4', invitees: ['alice'] }).classroom?.hands).toEqual(['bob']);
    const lower = action({ inviteID: 'l1', inviteeList: ['carol', 'bob'], data: encodeClassroom('lowerHands', 'room-1', 'call-1') });
    const bob = transition(run(inGroupCall('bob'), 'bob', { type: 'invited', inv: up('carol', 'u1') }, { type: 'invited', inv: action({}) }), { type: 'invited', inv: lower }, ctx('bob'));
    expect(bob.state.classroom?.hands).toEqual([]);
    expect(bob.state.calls).toEqual([]); // the open question is withdrawn too
    expect(bob.effects).toEqual([{ type: 'ack', inviteID: 'l1' }]);
    // Only the teacher lowers everyone's hands.
    expect(run(dave, 'dave', { type: 'invited', inv: { ...lower, inviter: 'carol' } }).classroom?.hands).toEqual(['carol', 'bob']);
  });

  it("the teacher's hang-up ends the class in every student's worker, saying so; nothing stays muted or prompted", () => {
    const asked = run(inGroupCall('bob'), 'bob', { type: 'invited', inv: action({}) });
    const end = (reason?: string) => action({ inviteID: 'end-x', inviteeList: ['bob', 'carol'], data: encodeCallEnd('call-1', 'room-1', 42, reason) });
    const ended = transition(asked, { type: 'invited', inv: end('class_ended') }, ctx('bob'));
    expect(ended.state).toMatchObject({ active: null, classroom: null, calls: [], notice: { key: 'noticeClassEnded', subs: ['alice'] } });
    expect(ended.effects).toEqual([{ type: 'ack', inviteID: 'end-x' }]);
    expect(transition(asked, { type: 'invited', inv: end('window_closed') }, ctx('bob')).state.notice).toMatchObject({ key: 'noticeTeacherLeft', subs: ['alice'] });
    // A student's window that saw the teacher vanish ends the call itself.
    expect(run(asked, 'bob', { type: 'ended', reason: 'teacher_left' })).toMatchObject({ active: null, classroom: null, calls: [], notice: { key: 'noticeTeacherLeft', subs: ['alice'] } });
  });

  it('builds the same live list of raised hands for the teacher and every student', () => {
    const teacher = run(
      inGroupCall('alice'),
      'alice',
      { type: 'classroomSent', action: 'raiseHand', inviteID: 'hands-1', invitees: ['bob', 'carol'] },
      { type: 'accepted', inviteID: 'hands-1', invitee: 'carol', data: '' },
      { type: 'accepted', inviteID: 'hands-1', invitee: 'bob', data: '' },
    );
    const bob = run(inGroupCall('bob'), 'bob', { type: 'invited', inv: action({}) }, { type: 'accepted', inviteID: 'hands-1', invitee: 'carol', data: '' }, { type: 'localAccepted', inviteID: 'hands-1' });
    expect(teacher.classroom?.hands).toEqual(['carol', 'bob']);
    expect(bob.classroom?.hands).toEqual(['carol', 'bob']);
    expect(bob.calls).toEqual([]); // the prompt is answered
    expect(bob.active?.inviteID).toBe('call-1'); // and the call goes on
  });

  it('gives the floor to the student who accepts "speak"; every member hears of it', () => {
    const speak = action({ inviteID: 'speak-1', inviteeList: ['carol'], data: encodeClassroom('speak', 'room-1', 'call-1') });
    const bob = run(inGroupCall('bob'), 'bob', { type: 'invited', inv: action({}) }, { type: 'invited', inv: speak }, { type: 'accepted', inviteID: 'speak-1', invitee: 'carol', data: '' });
    expect(bob.classroom).toMatchObject({ speaker: 'carol', invitedSpeaker: null });
    expect(bob.calls.map((c) => c.kind)).toEqual(['raiseHand']); // the speak prompt was not for bob
  });

  it('drops an unanswered prompt without counting a missed call; ending the call ends classroom mode', () => {
    const asked = run(inGroupCall('bob'), 'bob', { type: 'invited', inv: action({}) });
    const timedOut = transition(asked, { type: 'timeout', inviteID: 'hands-1', inviteeList: ['bob'], isSelfTimeout: true }, ctx('bob'));
    expect(timedOut.state.missed).toBe(0);
    expect(timedOut.effects).toEqual([]);
    expect(timedOut.state.calls).toEqual([]);
    const ended = run(asked, 'bob', { type: 'ended' });
    expect(ended.classroom).toBeNull();
    expect(ended.calls).toEqual([]);
  });

  it('says why a call ended when the window ended it (peer lost)', () => {
    const s = run(inGroupCall('bob'), 'bob', { type: 'ended', reason: 'peer_lost' });
    expect(s.notice).toMatchObject({ key: 'noticePeerLost', subs: ['class'] });
  });

  it('the speaker lowering the hand, or the teacher taking the floor back, returns the floor to the teacher for everyone; the invitee accepts quietly', () => {
    const speak = action({ inviteID: 'speak-1', inviteeList: ['carol'], data: encodeClassroom('speak', 'room-1', 'call-1') });
    const withSpeaker = (me: string) => run(inGroupCall(me), me, { type: 'invited', inv: action({}) }, { type: 'accepted', inviteID: 'hands-1', invitee: 'bob', data: '' }, { type: 'invited', inv: speak }, { type: 'accepted', inviteID: 'speak-1', invitee: 'carol', data: '' });
    expect(withSpeaker('dave').classroom).toMatchObject({ speaker: 'carol', hands: ['bob'] });
    // carol (the speaker) lowers: a lowerHand invitation to the teacher.
    const lower = action({ inviteID: 'lower-1', inviter: 'carol', inviteeList: ['alice'], data: encodeClassroom('lowerHand', 'room-1', 'call-1') });
    const dave = transition(withSpeaker('dave'), { type: 'invited', inv: lower }, ctx('dave'));
    expect(dave.state.classroom).toMatchObject({ speaker: null, hands: ['bob'] });
    expect(dave.effects).toEqual([]);
    expect(dave.state.calls.some((c) => c.inviteID === 'lower-1')).toBe(false); // no prompt for it
    // The teacher's worker (the invitee) accepts it quietly; a teacher only hears it (NEW_INVITATION_RECEIVED) as the invitee.
    const teacher = transition(run(inGroupCall('alice'), 'alice', { type: 'classroomSent', action: 'speak', inviteID: 'speak-1', invitees: ['carol'] }, { type: 'accepted', inviteID: 'speak-1', invitee: 'carol', data: '' }), { type: 'invited', inv: lower }, ctx('alice'));
    expect(teacher.effects).toEqual([{ type: 'ack', inviteID: 'lower-1' }]);
    expect(teacher.state.classroom?.speaker).toBeNull();
    // A raised hand that is lowered leaves the list; lowering by someone with no hand up changes nothing.
    const bobLowers = action({ inviteID: 'lower-2', inviter: 'bob', inviteeList: ['alice'], data: encodeClassroom('lowerHand', 'room-1', 'call-1') });
    expect(transition(withSpeaker('dave'), { type: 'invited', inv: bobLowers }, ctx('dave')).state.classroom).toMatchObject({ speaker: 'carol', hands: [] });
    const eveLowers = { ...bobLowers, inviter: 'eve' };
    expect(transition(withSpeaker('dave'), { type: 'invited', inv: eveLowers }, ctx('dave')).state.classroom).toEqual(withSpeaker('dave').classroom);
    // The teacher takes the floor back: endSpeak to the speaker, whose worker accepts it quietly; only the owner's counts.
    const end = action({ inviteID: 'end-1', inviteeList: ['carol'], data: encodeClassroom('endSpeak', 'room-1', 'call-1') });
    const carol = transition(withSpeaker('carol'), { type: 'invited', inv: end }, ctx('carol'));
    expect(carol.state.classroom?.speaker).toBeNull();
    expect(carol.effects).toEqual([{ type: 'ack', inviteID: 'end-1' }]);
    expect(transition(withSpeaker('dave'), { type: 'invited', inv: { ...end, inviter: 'bob' } }, ctx('dave')).state.classroom?.speaker).toBe('carol');
    // The sender's own worker applies its action when it is sent.
    const sent = run(withSpeaker('carol'), 'carol', { type: 'classroomSent', action: 'lowerHand', inviteID: 'lower-1', invitees: ['alice'] });
    expect(sent.classroom?.speaker).toBeNull();
  });

  it('knows whom a lowerHand or endSpeak goes to, and when it means nothing', () => {
    const c = { groupID: 'class', roomID: 'room-1', teacher: 'alice', handsInviteID: 'h', hands: ['bob'], speakInviteID: 's', invitedSpeaker: null, speaker: 'carol' };
    expect(releaseTarget(c, 'endSpeak', 'alice')).toBe('carol');
    expect(releaseTarget(c, 'endSpeak', 'bob')).toBeNull();
    expect(releaseTarget(c, 'lowerHand', 'carol')).toBe('alice');
    expect(releaseTarget(c, 'lowerHand', 'bob')).toBe('alice');
    expect(releaseTarget(c, 'lowerHand', 'dave')).toBeNull();
    expect(releaseTarget({ ...c, speaker: null }, 'endSpeak', 'alice')).toBeNull();
    expect(releaseTarget(null, 'lowerHand', 'bob')).toBeNull();
  });
});
