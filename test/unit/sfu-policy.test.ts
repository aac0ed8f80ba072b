import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { callRoute } from '../../src/protocol/sfu.ts';
import { boundUser, floorAfter, joinRole, MAX_CALL_AGE_MS, mayPublish, moderate, roomCapRefusal, type FloorState } from '../../src/server/sfu/policy.ts';
import type { Invitation } from '../../src/server/signaling/machine.ts';

const classroom = JSON.stringify({ version: 1, roomID: 'r', callType: 'video', mode: 'classroom' });
const plain = JSON.stringify({ version: 1, roomID: 'r', callType: 'audio' });
const group = { groupID: 'g', name: 'class', type: 'Meeting' as const, ownerID: 'teacher' };

function inv(o: Partial<Invitation> = {}): Invitation {
  return {
    inviteID: 'i1', inviter: 'teacher', groupID: 'g', inviteeList: ['s1', 's2', 's3'], data: classroom, timeout: 60,
    onlineUserOnly: false, createdAt: 1000, deadline: 61_000, parts: { s1: 'accepted', s2: 'pending', s3: 'rejected' }, endReason: null, ...o,
  };
}

const reasonOf = (f: () => unknown) => {
  try {
    f();
    return 'granted';
  } catch (e) {
    return `${(e as { code: number }).code} ${(e as { reason: string }).reason}`;
  }
};

describe('callRoute', () => {
  it('keeps 1:1 and group calls of up to 6 on the mesh; classrooms and larger calls on the SFU', () => {
    expect(callRoute({ groupID: '', invitees: 1, data: classroom })).toBe('mesh');
    expect(callRoute({ groupID: 'g', invitees: 5, data: plain })).toBe('mesh');
    expect(callRoute({ groupID: 'g', invitees: 6, data: plain })).toBe('sfu');
    expect(callRoute({ groupID: 'g', invitees: 1, data: classroom })).toBe('sfu');
    expect(callRoute({ groupID: 'g', invitees: 2, data: 'not json' })).toBe('mesh');
  });
});

describe('joinRole', () => {
  it('grants the inviter (teacher when owner) and accepted invitees (students)', () => {
    expect(joinRole(inv(), group, true, 'teacher', 2000)).toBe('teacher');
    expect(joinRole(inv(), group, true, 's1', 2000)).toBe('student');
    expect(joinRole(inv({ data: plain, inviteeList: Array.from({ length: 7 }, (_, i) => `s${i}`), parts: { s1: 'accepted' } }), group, true, 's1', 2000)).toBe('member');
  });

  it('refuses pending, rejected, uninvited users, unknown invitations and former members alike', () => {
    for (const u of ['s2', 's3', 'mallory']) expect(reasonOf(() => joinRole(inv(), group, true, u, 2000))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
    expect(reasonOf(() => joinRole(null, null, false, 's1', 2000))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
    // Accepted, then removed from the group (or the group dismissed): no grant.
    expect(reasonOf(() => joinRole(inv(), group, false, 's1', 2000))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
    expect(reasonOf(() => joinRole(inv(), group, false, 'teacher', 2000))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
  });

  it('refuses small plain calls (mesh) and calls too old', () => {
    expect(reasonOf(() => joinRole(inv({ data: plain }), group, true, 's1', 2000))).toBe(`${ErrorCode.NOT_PERMITTED} mesh_call`);
    expect(reasonOf(() => joinRole(inv(), group, true, 's1', 1000 + MAX_CALL_AGE_MS + 1))).toBe(`${ErrorCode.NOT_PERMITTED} call_over`);
  });

  it('opens no room for the inviter until an invitee accepted', () => {
    const unanswered = inv({ parts: { s1: 'pending', s2: 'rejected', s3: 'pending' } });
    expect(reasonOf(() => joinRole(unanswered, group, true, 'teacher', 2000))).toBe(`${ErrorCode.NOT_PERMITTED} not_answered`);
  });
});

describe('roomCapRefusal', () => {
  const caps = { maxRooms: 5, maxRoomsPerUser: 2, maxRoomsPerGroup: 2 };
  const h = (inviter: string, groupID: string) => ({ inviter, groupID });
  const reason = (open: Array<{ inviter: string; groupID: string }>, holder: { inviter: string; groupID: string }) => roomCapRefusal(open, holder, caps)?.reason ?? null;

  it('bounds the rooms of one inviter and of one group below the node\'s, so one account cannot take them all', () => {
    expect(reason([], h('a', 'g1'))).toBeNull();
    expect(reason([h('a', 'g1'), h('a', 'g2')], h('a', 'g3'))).toBe('sfu_rooms_per_user');
    expect(reason([h('a', 'g1'), h('b', 'g1')], h('c', 'g1'))).toBe('sfu_rooms_per_group');
    expect(reason([h('a', 'g1'), h('b', 'g2')], h('c', 'g3'))).toBeNull();
    expect(reason([h('a', 'g1'), h('b', 'g2'), h('c', 'g3'), h('d', 'g4'), h('e', 'g5')], h('f', 'g6'))).toBe('sfu_rooms');
    expect(roomCapRefusal([h('a', 'g1'), h('a', 'g2')], h('a', 'g3'), caps)?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
  });
});

describe('floor moderation', () => {
  const floor: FloorState = { classroom: true, teacher: 'teacher', speaker: 's1' };
  const feeds = new Map([[1, 'teacher'], [2, 's1'], [3, 's2']]);
  const pub = (feed: number, ...kinds: Array<'audio' | 'video'>) => ({ feed, display: feeds.get(feed) ?? '', streams: kinds.map((type, i) => ({ type, mid: String(i) })) });

  it('teacher sends all; the speaker audio only; other students nothing; plain calls everyone', () => {
    expect(mayPublish(floor, 'teacher', 'video')).toBe(true);
    expect(mayPublish(floor, 's1', 'audio')).toBe(true);
    expect(mayPublish(floor, 's1', 'video')).toBe(false);
    expect(mayPublish(floor, 's2', 'audio')).toBe(false);
    expect(mayPublish({ ...floor, classroom: false }, 's2', 'video')).toBe(true);
  });

  it('mutes what may not be sent, kicks unknown publishers, and only reports changes', () => {
    const publishers = [pub(1, 'audio', 'video'), pub(2, 'audio', 'video'), pub(3, 'audio'), pub(99, 'audio'), pub(7, 'audio')];
    const actions = moderate(floor, publishers, feeds, new Map(), new Set([7]));
    expect(actions).toEqual([
      { type: 'mute', feed: 2, mid: '1', mute: true },
      { type: 'mute', feed: 3, mid: '0', mute: true },
      { type: 'kick', feed: 99 },
    ]);
    // The floor moves to s2: s1's audio is muted, s2's unmuted; nothing else changes.
    const muted = new Map([['2:1', true], ['3:0', true]]);
    expect(moderate({ ...floor, speaker: 's2' }, publishers.slice(0, 3), feeds, muted, new Set())).toEqual([
      { type: 'mute', feed: 2, mid: '0', mute: true },
      { type: 'mute', feed: 3, mid: '0', mute: false },
    ]);
  });

  it('kicks a publisher whose display is not the user its feed was granted to', () => {
    expect(moderate(floor, [{ ...pub(3, 'audio'), display: 's1' }], feeds, new Map([['3:0', true]]), new Set())).toEqual([{ type: 'kick', feed: 3 }]);
  });
});

describe('grant binding and floor moves', () => {
  const feeds = new Map([[2, 's1']]);
  it('binds a feed to its user and display only', () => {
    expect(boundUser(feeds, 2, 's1')).toBe('s1');
    expect(boundUser(feeds, 2, 's2')).toBeNull();
    expect(boundUser(feeds, 3, 's1')).toBeNull();
  });

  it('speak gives the floor; the owner\'s endSpeak and the speaker\'s lowerHand give it back; nobody else\'s', () => {
    const s: FloorState = { classroom: true, teacher: 'teacher', speaker: 's1' };
    expect(floorAfter(s, 'speak', 's2')).toBe('s2');
    expect(floorAfter(s, 'endSpeak', 'teacher')).toBeNull();
    expect(floorAfter(s, 'endSpeak', 's2')).toBe('s1');
    expect(floorAfter(s, 'lowerHand', 's1')).toBeNull();
    expect(floorAfter(s, 'lowerHand', 's2')).toBe('s1');
    expect(floorAfter(s, 'raiseHand', 'teacher')).toBe('s1');
    expect(floorAfter({ ...s, classroom: false }, 'speak', 's2')).toBe('s1');
  });
});
