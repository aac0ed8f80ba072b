import { describe, expect, it } from 'vitest';
import { buildHistory } from '../../src/extension/background/history.ts';
import { encodeBusy, encodeCallEnd, encodeClassroom, encodeInvite } from '../../src/protocol/call-data.ts';
import { signal } from './fake-chat.ts';
import type { Message } from '../../src/protocol/im.ts';

const c2c = 'C2Calice';
const base = { inviter: 'alice', inviteeList: ['bob'] };

describe('buildHistory', () => {
  it('makes one row of a class: its prompts, hands and hang-up are not calls; the row says who joined', () => {
    const g = 'GROUPclass';
    const cls = { inviter: 'alice', inviteeList: ['bob', 'carol', 'dave'], groupID: 'class' };
    const msgs = [
      signal(g, 'alice', 100, { ...cls, inviteID: 'call', actionType: 1, data: encodeInvite('r', 'video', 'classroom') }),
      signal(g, 'carol', 101, { ...cls, inviteID: 'call', actionType: 3 }),
      signal(g, 'bob', 102, { ...cls, inviteID: 'call', actionType: 3 }),
      signal(g, 'alice', 110, { ...cls, inviteID: 'hands', actionType: 1, data: encodeClassroom('raiseHand', 'r', 'call') }),
      signal(g, 'bob', 111, { ...cls, inviteID: 'hands', actionType: 3 }),
      signal(g, 'carol', 112, { inviter: 'carol', inviteeList: ['alice'], groupID: 'class', inviteID: 'up', actionType: 1, data: encodeClassroom('handUp', 'r', 'call') }),
      signal(g, 'alice', 113, { inviter: 'carol', inviteeList: ['alice'], groupID: 'class', inviteID: 'up', actionType: 3 }),
      signal(g, 'alice', 160, { ...cls, inviteeList: ['bob', 'carol'], inviteID: 'end', actionType: 1, data: encodeCallEnd('call', 'r', 59, 'class_ended') }),
    ];
    for (const me of ['bob', 'alice']) {
      const h = buildHistory(msgs, me);
      expect(h).toHaveLength(1);
      expect(h[0]).toMatchObject({ inviteID: 'call', peer: 'class', outcome: 'answered', duration: 59, joined: ['alice', 'carol', 'bob'] });
    }
  });

  it('classifies answered, rejected, busy, missed and cancelled calls, newest first', () => {
    const msgs = [
      signal(c2c, 'alice', 100, { ...base, inviteID: 'a', actionType: 1, data: encodeInvite('r', 'video') }),
      signal(c2c, 'bob', 101, { ...base, inviteID: 'a', actionType: 3 }),
      signal(c2c, 'alice', 200, { ...base, inviteID: 'b', actionType: 1 }),
      signal(c2c, 'bob', 201, { ...base, inviteID: 'b', actionType: 4 }),
      signal(c2c, 'alice', 300, { ...base, inviteID: 'c', actionType: 1 }),
      signal(c2c, 'bob', 301, { ...base, inviteID: 'c', actionType: 4, data: encodeBusy('in_call') }),
      signal(c2c, 'alice', 400, { ...base, inviteID: 'd', actionType: 1 }),
      signal(c2c, 'alice', 430, { ...base, inviteID: 'd', actionType: 5 }),
      signal(c2c, 'alice', 500, { ...base, inviteID: 'e', actionType: 1 }),
      signal(c2c, 'alice', 505, { ...base, inviteID: 'e', actionType: 2 }),
    ];
    const h = buildHistory(msgs, 'bob');
    expect(h.map((r) => [r.inviteID, r.direction, r.outcome])).toEqual([
      ['e', 'incoming', 'missed'],
      ['d', 'incoming', 'missed'],
      ['c', 'incoming', 'busy'],
      ['b', 'incoming', 'rejected'],
      ['a', 'incoming', 'answered'],
    ]);
    expect(h.at(-1)).toMatchObject({ peer: 'alice', callType: 'video', time: 100_000 });
  });

  it('takes the duration of a finished call from the seed hang-up invitation and hides that invitation', () => {
    const msgs = [
      signal(c2c, 'bob', 100, { inviter: 'bob', inviteeList: ['alice'], inviteID: 'a', actionType: 1 }),
      signal(c2c, 'alice', 101, { inviter: 'bob', inviteeList: ['alice'], inviteID: 'a', actionType: 3 }),
      signal(c2c, 'alice', 190, { inviter: 'alice', inviteeList: ['bob'], inviteID: 'end', actionType: 1, data: encodeCallEnd('a', 'r', 89) }),
      signal(c2c, 'bob', 190, { inviter: 'alice', inviteeList: ['bob'], inviteID: 'end', actionType: 3 }),
    ];
    expect(buildHistory(msgs, 'bob')).toEqual([
      expect.objectContaining({ inviteID: 'a', direction: 'outgoing', peer: 'alice', outcome: 'answered', duration: 89 }),
    ]);
  });

  it('orders calls in the same second by the server\'s message order (a later missed call stays above)', () => {
    const at = (id: string, m: Message): Message => ({ ...m, ID: id });
    const msgs = [
      at('7', signal(c2c, 'alice', 100, { ...base, inviteID: 'early', actionType: 1 })),
      at('8', signal(c2c, 'bob', 100, { ...base, inviteID: 'early', actionType: 4 })),
      at('9', signal(c2c, 'alice', 100, { ...base, inviteID: 'late', actionType: 1 })),
      at('10', signal(c2c, 'alice', 100, { ...base, inviteID: 'late', actionType: 5 })),
    ];
    expect(buildHistory(msgs, 'bob').map((r) => [r.inviteID, r.outcome])).toEqual([
      ['late', 'missed'],
      ['early', 'rejected'],
    ]);
    // Reading order does not matter when the IDs say it.
    expect(buildHistory([...msgs].reverse(), 'bob').map((r) => r.inviteID)).toEqual(['late', 'early']);
  });

  it('keeps reading order within a second when message IDs are not the server\'s sequence', () => {
    const msgs = [
      signal(c2c, 'alice', 100, { ...base, inviteID: 'first', actionType: 1 }),
      signal(c2c, 'alice', 100, { ...base, inviteID: 'second', actionType: 1 }),
      signal(c2c, 'alice', 100, { ...base, inviteID: 'second', actionType: 5 }),
    ];
    expect(buildHistory(msgs, 'bob').map((r) => r.inviteID)).toEqual(['second', 'first']);
  });

  it('a call the caller gave up on is missed for the callee and cancelled for the caller', () => {
    const msgs = [
      signal(c2c, 'alice', 100, { ...base, inviteID: 'x', actionType: 1 }),
      signal(c2c, 'alice', 103, { ...base, inviteID: 'x', actionType: 2 }),
    ];
    expect(buildHistory(msgs, 'bob')[0]).toMatchObject({ direction: 'incoming', outcome: 'missed' });
    expect(buildHistory(msgs, 'alice')[0]).toMatchObject({ direction: 'outgoing', outcome: 'cancelled' });
  });

  it('ignores non-signaling messages and group calls that did not invite me', () => {
    const msgs = [
      { ID: 'x', conversationID: c2c, from: 'alice', to: 'bob', time: 1, type: 'TIMTextElem', payload: { data: 'hello' } },
      signal('GROUPg', 'alice', 2, { inviter: 'alice', inviteeList: ['carol'], groupID: 'g', inviteID: 'g1', actionType: 1 }),
    ];
    expect(buildHistory(msgs, 'bob')).toEqual([]);
  });
});
