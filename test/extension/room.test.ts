import { describe, expect, it } from 'vitest';
import { createRoom, isOfferer, MAX_PARTICIPANTS, PEER_TIMEOUT_MS, transition, type RoomState } from '../../src/extension/call/room.ts';
import type { RtcMessage } from '../../src/protocol/rtc-data.ts';

const env = (from: string, sid = `${from}-1`) => ({ businessID: 'ringlet.rtc' as const, version: 1 as const, roomID: 'r1', from, sid });
const hello = (from: string, sid?: string, now = 1000) =>
  ({ type: 'received' as const, now, msg: { ...env(from, sid), type: 'hello' as const, media: { audio: true, video: false } } satisfies RtcMessage });
const room = () => createRoom('bob', 'bob-s', 'r1', ['alice', 'bob', 'carol', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6']);

describe('room', () => {
  it('lets the lexicographically smaller userID offer, so offers never cross', () => {
    expect(isOfferer('alice', 'bob')).toBe(true);
    expect(isOfferer('bob', 'alice')).toBe(false);
    const a = transition(room(), hello('alice'));
    expect(a.effects).toEqual([{ type: 'connect', userID: 'alice', sid: 'alice-1', offerer: false }, { type: 'announce' }]);
    const c = transition(room(), hello('carol'));
    expect(c.effects[0]).toMatchObject({ type: 'connect', userID: 'carol', offerer: true });
  });

  it('answers a newcomer once; later hellos are heartbeats', () => {
    const one = transition(room(), hello('alice', undefined, 1000)).room;
    const two = transition(one, hello('alice', undefined, 2000));
    expect(two.effects).toEqual([]);
    expect(two.room.participants[0]!.lastSeen).toBe(2000);
  });

  it('ignores other rooms, my own messages, and messages addressed to someone else', () => {
    const r = room();
    expect(transition(r, { ...hello('alice'), msg: { ...hello('alice').msg, roomID: 'other' } }).room).toBe(r);
    expect(transition(r, hello('bob')).room).toBe(r);
    const joined = transition(r, hello('alice')).room;
    const cand = { type: 'received' as const, now: 1, msg: { ...env('alice'), type: 'candidate' as const, to: 'carol', toSid: 'x', candidate: { candidate: 'c' } } };
    expect(transition(joined, cand).effects).toEqual([]);
  });

  it('delivers SDP and candidates addressed to me to that peer; an offer before any hello joins its sender', () => {
    const offer = { type: 'received' as const, now: 1, msg: { ...env('alice'), type: 'sdp' as const, kind: 'offer' as const, id: 'o1', part: 0, parts: 1, sdp: 'v=0', to: 'bob', toSid: 'bob-s' } };
    const { effects } = transition(room(), offer);
    expect(effects.map((e) => e.type)).toEqual(['connect', 'announce', 'deliver']);
  });

  it('ends a participant on bye, on silence longer than the timeout, and on a failed connection', () => {
    let r: RoomState = transition(transition(room(), hello('alice', undefined, 0)).room, hello('carol', undefined, 0)).room;
    const bye = transition(r, { type: 'received', now: 10, msg: { ...env('alice'), type: 'bye' } });
    expect(bye.effects).toEqual([{ type: 'disconnect', userID: 'alice', reason: 'bye' }]);
    r = transition(bye.room, hello('carol', undefined, 100)).room;
    expect(transition(r, { type: 'tick', now: 100 + PEER_TIMEOUT_MS }).effects).toEqual([]);
    expect(transition(r, { type: 'tick', now: 101 + PEER_TIMEOUT_MS }).effects).toEqual([{ type: 'disconnect', userID: 'carol', reason: 'timeout' }]);
    expect(transition(r, { type: 'failed', userID: 'carol' }).effects).toEqual([{ type: 'disconnect', userID: 'carol', reason: 'failed' }]);
  });

  it('treats a new window of the same user as a new peer', () => {
    const r = transition(room(), hello('alice', 'a1')).room;
    const { effects } = transition(r, hello('alice', 'a2'));
    expect(effects.map((e) => e.type)).toEqual(['disconnect', 'connect', 'announce']);
    // a late bye of the old window does not end the new one
    expect(transition(transition(r, hello('alice', 'a2')).room, { type: 'received', now: 1, msg: { ...env('alice', 'a1'), type: 'bye' } }).effects).toEqual([]);
  });

  it(`refuses a participant beyond ${MAX_PARTICIPANTS}`, () => {
    let r = room();
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) r = transition(r, hello(u)).room;
    expect(r.participants).toHaveLength(MAX_PARTICIPANTS - 1);
    expect(transition(r, hello('u6')).effects).toEqual([{ type: 'refused', userID: 'u6' }]);
  });

  it('says bye and closes every connection on leaving, then ignores everything', () => {
    const r = transition(room(), hello('alice')).room;
    const left = transition(r, { type: 'leave' });
    expect(left.effects).toEqual([{ type: 'disconnect', userID: 'alice', reason: 'bye' }, { type: 'bye' }]);
    expect(transition(left.room, hello('carol')).effects).toEqual([]);
  });

  it('admits only the call\'s participants: an uninvited group member\'s hello is ignored', () => {
    const r = createRoom('bob', 'bob-s', 'r1', ['alice', 'bob']);
    const stranger = transition(r, hello('mallory'));
    expect(stranger.room).toBe(r);
    expect(stranger.effects).toEqual([{ type: 'ignored', userID: 'mallory' }]);
    const offer = { type: 'received' as const, now: 1, msg: { ...env('mallory'), type: 'sdp' as const, kind: 'offer' as const, id: 'o1', part: 0, parts: 1, sdp: 'v=0', to: 'bob', toSid: 'bob-s' } };
    expect(transition(r, offer).effects).toEqual([{ type: 'ignored', userID: 'mallory' }]);
    expect(transition(r, hello('alice')).effects[0]).toMatchObject({ type: 'connect', userID: 'alice' });
  });

  it('admits an invitee once the server says they accepted', () => {
    const r = transition(createRoom('bob', 'bob-s', 'r1', ['alice', 'bob']), { type: 'admit', allowed: ['alice', 'bob', 'carol'] }).room;
    expect(r.allowed).toEqual(['alice', 'bob', 'carol']);
    expect(transition(r, hello('carol')).effects[0]).toMatchObject({ type: 'connect', userID: 'carol' });
  });

  it('drops a participant who left the call\'s group at once and never admits them again (issue 17, attack 7 on the mesh)', () => {
    const both = transition(transition(room(), hello('alice')).room, hello('carol')).room;
    const out = transition(both, { type: 'removed', userIDs: ['carol'] });
    expect(out.effects).toEqual([{ type: 'disconnect', userID: 'carol', reason: 'removed' }]);
    expect(out.room.participants.map((p) => p.userID)).toEqual(['alice']);
    // Their hello (relayed before the removal, or from another path) and the worker's older list change nothing.
    expect(transition(out.room, hello('carol', 'carol-2', 2000)).effects).toEqual([{ type: 'ignored', userID: 'carol' }]);
    const readmitted = transition(out.room, { type: 'admit', allowed: ['alice', 'bob', 'carol'] }).room;
    expect(transition(readmitted, hello('carol', 'carol-3', 3000)).effects).toEqual([{ type: 'ignored', userID: 'carol' }]);
    // Someone not in the call, or said twice: nothing to do.
    expect(transition(out.room, { type: 'removed', userIDs: ['carol', 'u5'] }).effects).toEqual([]);
  });
});
