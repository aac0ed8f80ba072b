/**
 * Hold and call waiting in the worker's call state (calls.ts): holders from the call's
 * (modified) data, Hold and accept keeping the first call in the background, switching,
 * ending one call bringing the held one forward, and the peer's "took another call".
 */
import { describe, expect, it } from 'vitest';
import { callsInProgress, EMPTY_CALL_STATE, isOnHold, ringingCalls, transition, type CallState } from '../../src/extension/background/calls.ts';
import type { NewInvitationData as Invitation } from '../../src/protocol/signaling.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/extension/shared/schema.ts';
import { decodeHold, encodeCallEnd, encodeInvite } from '../../src/protocol/call-data.ts';

const ctx = (settings: Partial<Settings> = {}, now = 1_000_000) => ({ me: 'bob', now, settings: { ...DEFAULT_SETTINGS, ...settings } });
const inv = (over: Partial<Invitation> = {}): Invitation => ({
  inviteID: 'i1', inviter: 'alice', groupID: '', inviteeList: ['bob'], data: encodeInvite('room-1', 'audio'), timeout: 30, remaining: 20, ...over,
});
const step = (state: CallState, event: Parameters<typeof transition>[1], settings: Partial<Settings> = {}) => transition(state, event, ctx(settings)).state;

/** bob in a call with alice (i1), carol ringing (i2) with call waiting on. */
function waiting(setting: Settings['whileInCall'] = 'waiting'): CallState {
  let s = step(EMPTY_CALL_STATE, { type: 'invited', inv: inv() });
  s = step(s, { type: 'localAccepted', inviteID: 'i1' });
  return step(s, { type: 'invited', inv: inv({ inviteID: 'i2', inviter: 'carol', data: encodeInvite('room-2', 'audio') }) }, { whileInCall: setting });
}

describe('hold', () => {
  it('reads holders from the modified data, only participants of that call count', () => {
    const s = step(waiting(), { type: 'modified', inviteID: 'i1', data: encodeInvite('room-1', 'audio', undefined, ['alice', 'mallory']), modifier: 'alice' });
    expect(s.active?.holders).toEqual(['alice']);
    expect(isOnHold(s.active!)).toBe(true);
    const resumed = step(s, { type: 'modified', inviteID: 'i1', data: encodeInvite('room-1', 'audio'), modifier: 'alice' });
    expect(resumed.active?.holders).toBeUndefined();
    // a change to a call not in progress changes nothing
    expect(step(s, { type: 'modified', inviteID: 'nope', data: '{"hold":["bob"]}', modifier: 'alice' })).toBe(s);
  });

  it('Hold and accept: the first call stays in progress, held in the background; switching and ending bring it back', () => {
    let s = step(waiting(), { type: 'holdSet', inviteID: 'i1', holders: ['bob'] });
    s = step(s, { type: 'localAccepted', inviteID: 'i2' });
    expect(s.active?.inviteID).toBe('i2');
    expect(s.held?.map((h) => h.inviteID)).toEqual(['i1']);
    expect(s.held?.[0]?.holders).toEqual(['bob']);
    expect(callsInProgress(s).map((c) => c.inviteID)).toEqual(['i2', 'i1']);
    // switch: i1 current, i2 held in the background
    s = step(s, { type: 'holdSet', inviteID: 'i2', holders: ['bob'] });
    s = step(s, { type: 'switched', inviteID: 'i1' });
    s = step(s, { type: 'holdSet', inviteID: 'i1', holders: [] });
    expect(s.active).toMatchObject({ inviteID: 'i1' });
    expect(s.active?.holders).toBeUndefined();
    expect(s.held?.map((h) => h.inviteID)).toEqual(['i2']);
    // I hang up i1: i2 comes forward, still held until Resume
    s = step(s, { type: 'ended', inviteID: 'i1', seconds: 5 });
    expect(s.active).toMatchObject({ inviteID: 'i2', holders: ['bob'] });
    expect(s.held).toBeUndefined();
  });

  it("ends a held call when its peer's end-of-call invitation comes, leaving the current one alone", () => {
    let s = step(waiting(), { type: 'holdSet', inviteID: 'i1', holders: ['bob'] });
    s = step(s, { type: 'localAccepted', inviteID: 'i2' });
    const r = transition(s, { type: 'invited', inv: inv({ inviteID: 'e1', data: encodeCallEnd('i1', 'room-1', 9) }) }, ctx());
    expect(r.effects).toEqual([{ type: 'ack', inviteID: 'e1' }]);
    expect(r.state.active?.inviteID).toBe('i2');
    expect(r.state.held).toBeUndefined();
    expect(r.state.notice).toMatchObject({ key: 'noticeHungUp', subs: ['alice'] });
  });

  it('tells the ended party in words when the other took another call', () => {
    const s = waiting();
    const r = transition(s, { type: 'invited', inv: inv({ inviteID: 'e1', data: encodeCallEnd('i1', 'room-1', 3, 'took_another_call') }) }, ctx());
    expect(r.state.active).toBeNull();
    expect(r.state.notice).toMatchObject({ key: 'noticeTookAnotherCall', subs: ['alice'] });
  });

  it("'ring' lets a call ring over a call (ringtone), 'waiting' keeps it quiet, 'busy' rejects it", () => {
    expect(ringingCalls(waiting('ring')).map((c) => c.inviteID)).toEqual(['i2']);
    expect(ringingCalls(waiting('waiting'))).toEqual([]);
    expect(waiting('waiting').calls[0]).toMatchObject({ inviteID: 'i2', waiting: true });
    expect(waiting('busy').calls).toEqual([]);
  });

  it('decodes holders defensively', () => {
    expect(decodeHold('{"hold":["a","a",3,"b"]}')).toEqual(['a', 'b']);
    expect(decodeHold('not json')).toEqual([]);
    expect(decodeHold('{"hold":"a"}')).toEqual([]);
  });
});
