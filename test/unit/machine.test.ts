import { describe, expect, it } from 'vitest';
import { ActionType } from '../../src/protocol/signaling.ts';
import { createInvitation, transition, type Command, type Invitation, type PartState } from '../../src/server/signaling/machine.ts';

const T0 = 1_000_000;
const DEADLINE = T0 + 30_000;
const BEFORE = DEADLINE - 1;
const AFTER = DEADLINE; // the deadline itself counts as passed

function oneToOne(part: PartState, timeout = 30): Invitation {
  const inv = createInvitation({ inviteID: 'i1', inviter: 'alice', groupID: '', inviteeList: ['bob'], data: 'd', timeout, onlineUserOnly: false, now: T0 }).invitation;
  if (part === 'pending') return inv;
  return { ...inv, parts: { bob: part }, endReason: part };
}

const ENDED: PartState[] = ['accepted', 'rejected', 'timeout', 'cancelled'];
const ALL: PartState[] = ['pending', ...ENDED];

describe('createInvitation', () => {
  it('starts with every part pending and one INVITE effect by the inviter', () => {
    const t = createInvitation({ inviteID: 'i', inviter: 'a', groupID: 'g', inviteeList: ['b', 'c'], data: '', timeout: 5, onlineUserOnly: false, now: T0 });
    expect(t.invitation.parts).toEqual({ b: 'pending', c: 'pending' });
    expect(t.invitation.deadline).toBe(T0 + 5000);
    expect(t.invitation.endReason).toBeNull();
    expect(t.effects).toEqual([{ action: ActionType.INVITE }]);
  });

  it('has no deadline when timeout is 0', () => {
    expect(oneToOne('pending', 0).deadline).toBeNull();
  });
});

describe('accept and reject', () => {
  for (const type of ['accept', 'reject'] as const) {
    const outcome = type === 'accept' ? 'accepted' : 'rejected';
    for (const part of ALL) {
      for (const [when, now] of [['before', BEFORE], ['at or after', AFTER]] as const) {
        for (const by of ['alice', 'eve']) {
          it(`${type} by non-invitee ${by} on a ${part} part ${when} the deadline fails 8011 not_invitee and changes nothing`, () => {
            const inv = oneToOne(part);
            const t = transition(inv, { type, by, data: 'x', now });
            expect(t.error?.code).toBe(8011);
            expect(t.error?.reason).toBe('not_invitee');
            expect(t.invitation).toBe(inv);
            expect(t.effects).toEqual([]);
          });
        }
        if (part !== 'pending') {
          it(`${type} by the invitee of a ${part} part ${when} the deadline fails 8010 '${part}' and changes nothing`, () => {
            const inv = oneToOne(part);
            const t = transition(inv, { type, by: 'bob', data: 'x', now });
            expect([t.error?.code, t.error?.reason]).toEqual([8010, part]);
            expect(t.invitation).toBe(inv);
            expect(t.effects).toEqual([]);
          });
        }
      }
    }
    it(`${type} by the invitee before the deadline ends the part as ${outcome} and the invitation with it`, () => {
      const t = transition(oneToOne('pending'), { type, by: 'bob', data: 'x', now: BEFORE });
      expect(t.error).toBeUndefined();
      expect(t.invitation.parts.bob).toBe(outcome);
      expect(t.invitation.endReason).toBe(outcome);
      expect(t.effects).toEqual([{ action: type === 'accept' ? ActionType.ACCEPT : ActionType.REJECT, invitee: 'bob', data: 'x' }]);
    });
    it(`${type} by the invitee at the deadline fails 8010 'timeout' and times the part out (which commits)`, () => {
      const t = transition(oneToOne('pending'), { type, by: 'bob', data: 'x', now: AFTER });
      expect([t.error?.code, t.error?.reason]).toEqual([8010, 'timeout']);
      expect(t.invitation.parts.bob).toBe('timeout');
      expect(t.effects).toEqual([{ action: ActionType.TIMEOUT, invitees: ['bob'] }]);
    });
    it(`${type} with timeout 0 works long after creation`, () => {
      const t = transition(oneToOne('pending', 0), { type, by: 'bob', data: '', now: T0 + 86400_000 * 365 });
      expect(t.error).toBeUndefined();
      expect(t.invitation.parts.bob).toBe(outcome);
    });
  }
});

describe('cancel', () => {
  for (const part of ALL) {
    for (const by of ['bob', 'eve']) {
      it(`cancel by ${by} (not the inviter) of a ${part} invitation fails 8011 not_inviter and changes nothing`, () => {
        const inv = oneToOne(part);
        const t = transition(inv, { type: 'cancel', by, data: '', now: BEFORE });
        expect([t.error?.code, t.error?.reason]).toEqual([8011, 'not_inviter']);
        expect(t.invitation).toBe(inv);
        expect(t.effects).toEqual([]);
      });
    }
  }
  for (const part of ENDED) {
    it(`cancel of an invitation that ended as ${part} fails 8020 '${part}'`, () => {
      const inv = oneToOne(part);
      const t = transition(inv, { type: 'cancel', by: 'alice', data: '', now: AFTER });
      expect([t.error?.code, t.error?.reason]).toEqual([8020, part]);
      expect(t.effects).toEqual([]);
    });
  }
  it('cancel before the deadline ends every pending part as cancelled', () => {
    const t = transition(oneToOne('pending'), { type: 'cancel', by: 'alice', data: 'bye', now: BEFORE });
    expect(t.error).toBeUndefined();
    expect(t.invitation.parts.bob).toBe('cancelled');
    expect(t.invitation.endReason).toBe('cancelled');
    expect(t.effects).toEqual([{ action: ActionType.CANCEL, data: 'bye' }]);
  });
  it('cancel at the deadline fails 8020 timeout and times the invitation out', () => {
    const t = transition(oneToOne('pending'), { type: 'cancel', by: 'alice', data: '', now: AFTER });
    expect([t.error?.code, t.error?.reason]).toEqual([8020, 'timeout']);
    expect(t.invitation.endReason).toBe('timeout');
  });
});

describe('deadline and expireInvitees', () => {
  for (const part of ALL) {
    for (const [when, now] of [['before', BEFORE], ['at', AFTER]] as const) {
      const fires = part === 'pending' && now >= DEADLINE;
      it(`the deadline ${when} its time on a ${part} part ${fires ? 'times it out' : 'changes nothing'}`, () => {
        const inv = oneToOne(part);
        const t = transition(inv, { type: 'deadline', now });
        expect(t.error).toBeUndefined();
        if (fires) {
          expect(t.invitation.parts.bob).toBe('timeout');
          expect(t.effects).toEqual([{ action: ActionType.TIMEOUT, invitees: ['bob'] }]);
        } else {
          expect(t.invitation).toBe(inv);
          expect(t.effects).toEqual([]);
        }
      });
      it(`expireInvitees ${when} the deadline on a ${part} part ${part === 'pending' ? 'times it out at once' : 'changes nothing'}`, () => {
        const t = transition(oneToOne(part), { type: 'expireInvitees', invitees: ['bob', 'eve'], now });
        expect(t.effects.length).toBe(part === 'pending' ? 1 : 0);
        expect(t.invitation.parts.bob).toBe(part === 'pending' ? 'timeout' : part);
      });
    }
  }
  it('a deadline never fires for timeout 0', () => {
    const t = transition(oneToOne('pending', 0), { type: 'deadline', now: Number.MAX_SAFE_INTEGER });
    expect(t.effects).toEqual([]);
  });
  it('a second firing of the same deadline finds nothing to do (exactly once)', () => {
    const first = transition(oneToOne('pending'), { type: 'deadline', now: AFTER });
    const second = transition(first.invitation, { type: 'deadline', now: AFTER + 5000 });
    expect(first.effects).toHaveLength(1);
    expect(second.effects).toEqual([]);
  });
});

describe('membership changes', () => {
  for (const part of ALL) {
    it(`the invitee leaving with a ${part} part ${part === 'pending' ? 'rejects it with reason left_group' : 'changes nothing'}`, () => {
      const t = transition(oneToOne(part), { type: 'memberLeft', userID: 'bob', now: BEFORE });
      if (part === 'pending') expect(t.effects).toEqual([{ action: ActionType.REJECT, invitee: 'bob', data: '', reason: 'left_group' }]);
      else expect(t.effects).toEqual([]);
    });
    it(`the inviter leaving a ${part} invitation ${part === 'pending' ? 'cancels it with reason inviter_left' : 'changes nothing'}`, () => {
      const t = transition(oneToOne(part), { type: 'memberLeft', userID: 'alice', now: BEFORE });
      if (part === 'pending') expect(t.effects).toEqual([{ action: ActionType.CANCEL, data: '', reason: 'inviter_left' }]);
      else expect(t.effects).toEqual([]);
    });
    it(`dismissing the group of a ${part} invitation ${part === 'pending' ? 'cancels it with reason group_dismissed' : 'changes nothing'}`, () => {
      const t = transition(oneToOne(part), { type: 'groupDismissed', now: BEFORE });
      if (part === 'pending') expect(t.effects).toEqual([{ action: ActionType.CANCEL, data: '', reason: 'group_dismissed' }]);
      else expect(t.effects).toEqual([]);
    });
  }
  it('a stranger leaving changes nothing', () => {
    expect(transition(oneToOne('pending'), { type: 'memberLeft', userID: 'eve', now: BEFORE }).effects).toEqual([]);
  });
  it('a membership change after the deadline times the invitation out instead', () => {
    for (const cmd of [{ type: 'memberLeft', userID: 'bob', now: AFTER }, { type: 'memberLeft', userID: 'alice', now: AFTER }, { type: 'groupDismissed', now: AFTER }] as Command[]) {
      expect(transition(oneToOne('pending'), cmd).effects).toEqual([{ action: ActionType.TIMEOUT, invitees: ['bob'] }]);
    }
  });
});

describe('group invitations', () => {
  const group = () => createInvitation({ inviteID: 'g1', inviter: 't', groupID: 'G', inviteeList: ['s1', 's2', 's3'], data: '', timeout: 30, onlineUserOnly: false, now: T0 }).invitation;

  it('stays open until the last part ends, and records how that one ended', () => {
    let inv = group();
    inv = transition(inv, { type: 'accept', by: 's1', data: '', now: BEFORE }).invitation;
    expect(inv.endReason).toBeNull();
    inv = transition(inv, { type: 'reject', by: 's2', data: '', now: BEFORE }).invitation;
    expect(inv.endReason).toBeNull();
    const t = transition(inv, { type: 'deadline', now: AFTER });
    expect(t.effects).toEqual([{ action: ActionType.TIMEOUT, invitees: ['s3'] }]);
    expect(t.invitation.parts).toEqual({ s1: 'accepted', s2: 'rejected', s3: 'timeout' });
    expect(t.invitation.endReason).toBe('timeout');
  });

  it('cancel ends only the parts still pending', () => {
    let inv = transition(group(), { type: 'accept', by: 's2', data: '', now: BEFORE }).invitation;
    const t = transition(inv, { type: 'cancel', by: 't', data: '', now: BEFORE });
    expect(t.invitation.parts).toEqual({ s1: 'cancelled', s2: 'accepted', s3: 'cancelled' });
    inv = t.invitation;
    expect(transition(inv, { type: 'cancel', by: 't', data: '', now: BEFORE }).error?.code).toBe(8020);
  });

  it('keeps its invariants under any sequence of commands', () => {
    // A deterministic pseudo-random walk over commands: the invariants below must hold after every step.
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const users = ['t', 's1', 's2', 's3', 'x'];
    for (let walk = 0; walk < 300; walk++) {
      let inv = group();
      const endings = new Map<string, number>();
      for (let step = 0; step < 12; step++) {
        const now = T0 + rnd(40_000);
        const by = users[rnd(users.length)]!;
        const kinds: Command[] = [
          { type: 'accept', by, data: '', now }, { type: 'reject', by, data: '', now }, { type: 'cancel', by, data: '', now },
          { type: 'deadline', now }, { type: 'memberLeft', userID: by, now }, { type: 'groupDismissed', now },
          { type: 'expireInvitees', invitees: [by], now },
        ];
        const before = inv;
        const t = transition(inv, kinds[rnd(kinds.length)]!);
        inv = t.invitation;
        for (const u of inv.inviteeList) {
          // An ended part never changes again.
          if (before.parts[u] !== 'pending') expect(inv.parts[u]).toBe(before.parts[u]);
          if (before.parts[u] === 'pending' && inv.parts[u] !== 'pending') endings.set(u, (endings.get(u) ?? 0) + 1);
        }
        expect(inv.endReason === null).toBe(inv.inviteeList.some((u) => inv.parts[u] === 'pending'));
        // Every change comes with effects; no effects means no change.
        if (t.effects.length === 0) expect(inv).toBe(before);
      }
      for (const n of endings.values()) expect(n).toBe(1);
    }
  }, 60_000); // thousands of synchronous steps: on a loaded machine this exceeds the 5 s default
});
