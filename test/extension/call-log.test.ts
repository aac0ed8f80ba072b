import { describe, expect, it } from 'vitest';
import { calendarDate, clockTime, dayOf, filterLog, isMissed, logName, outcomeKey, page } from '../../src/extension/ui/log/call-log.ts';
import { buildContacts, suggest } from '../../src/extension/ui/log/contacts.ts';
import type { HistoryRecord } from '../../src/extension/shared/schema.ts';
import { AVATAR_COLOURS, avatarColour, initials } from '../../src/extension/ui/components/avatar.ts';

const noon = new Date(2026, 10, 30, 12, 0, 0).getTime();
const rec = (o: Partial<HistoryRecord>): HistoryRecord => ({ inviteID: 'i', direction: 'incoming', peer: 'alice', groupID: '', callType: 'audio', outcome: 'answered', time: noon, ...o });

describe('call log', () => {
  it('says today, yesterday, or the date, by local calendar day', () => {
    expect(dayOf(new Date(2026, 10, 30, 0, 0, 1).getTime(), noon)).toBe('today');
    expect(dayOf(new Date(2026, 10, 29, 23, 59).getTime(), noon)).toBe('yesterday');
    expect(dayOf(new Date(2026, 10, 29, 0, 0).getTime(), noon)).toBe('yesterday');
    expect(dayOf(new Date(2026, 10, 28, 23, 59).getTime(), noon)).toBe('earlier');
  });

  it('formats times and dates in the UI language, with the year only when it differs', () => {
    const t = new Date(2026, 10, 12, 9, 5).getTime();
    expect(clockTime(t, 'en')).toBe('09:05');
    expect(calendarDate(t, noon, 'en')).toBe('12 Nov');
    expect(calendarDate(new Date(2025, 10, 12).getTime(), noon, 'en')).toBe('12 Nov 2025');
    expect(calendarDate(t, noon, 'zh_CN')).toBe('11月12日');
  });

  it('marks missed only incoming calls nobody answered, and names outcomes from my side', () => {
    expect(isMissed(rec({ outcome: 'missed' }))).toBe(true);
    expect(isMissed(rec({ outcome: 'missed', direction: 'outgoing' }))).toBe(false);
    expect(outcomeKey(rec({ outcome: 'missed', direction: 'outgoing' }))).toBe('outcomeNoAnswer');
    expect(outcomeKey(rec({ outcome: 'missed' }))).toBe('outcomeMissed');
    expect(outcomeKey(rec({ outcome: 'rejected' }))).toBe('outcomeDeclined');
    expect(outcomeKey(rec({ outcome: 'rejected', direction: 'outgoing' }))).toBe('outcomeRejected');
  });

  it('shows a bounded page and says whether there is more', () => {
    expect(page([1, 2, 3], 2)).toEqual({ rows: [1, 2], more: true });
    expect(page([1, 2], 2)).toEqual({ rows: [1, 2], more: false });
  });
});

describe('dial suggestions', () => {
  const history = [
    rec({ peer: 'bob', time: 1 }),
    rec({ peer: 'carol', time: 3, direction: 'outgoing' }),
    rec({ peer: 'bob', time: 2 }),
    rec({ peer: 'team', groupID: 'team', time: 4 }),
  ];
  const contacts = buildContacts(history, [{ name: 'Class', members: ['me', 'dave', 'bob', 'barbara'] }], 'me');

  it('lists recents newest first, then group members, once each and never me or a group', () => {
    expect(contacts.map((c) => [c.userID, c.source])).toEqual([
      ['carol', 'recent'],
      ['bob', 'recent'],
      ['dave', 'group'],
      ['barbara', 'group'],
    ]);
  });

  it('puts IDs that start with the query before IDs that contain it, and drops an exact match', () => {
    expect(suggest(contacts, 'B').map((c) => c.userID)).toEqual(['bob', 'barbara']);
    expect(suggest(contacts, 'ar').map((c) => c.userID)).toEqual(['carol', 'barbara']);
    expect(suggest(contacts, 'bob').map((c) => c.userID)).toEqual([]);
    expect(suggest(contacts, '', 2).map((c) => c.userID)).toEqual(['carol', 'bob']);
  });
});

describe('avatars', () => {
  it('takes up to two initials and gives each user one stable colour from an AA-safe set', () => {
    expect(initials('alice')).toBe('A');
    expect(initials('bob.smith')).toBe('BS');
    expect(initials('carol_de-vries')).toBe('CD');
    expect(avatarColour('alice')).toBe(avatarColour('alice'));
    expect(AVATAR_COLOURS).toContain(avatarColour('bob'));
    expect(new Set(['alice', 'bob', 'carol', 'dave', 'erin'].map(avatarColour)).size).toBeGreaterThan(2);
  });
});

describe('searching the log', () => {
  const rec = (over: Partial<HistoryRecord>): HistoryRecord => ({ inviteID: 'x', direction: 'incoming', callType: 'audio', groupID: '', peer: 'bob', outcome: 'answered', time: 0, ...over });
  const log = [
    rec({ inviteID: '1', peer: 'bob' }),
    rec({ inviteID: '2', peer: 'design', groupID: 'design', groupName: 'Design team', joined: ['alice', 'carol'] }),
    rec({ inviteID: '3', peer: 'dave', outcome: 'missed' }),
    rec({ inviteID: '4', peer: 'dave', outcome: 'missed', direction: 'outgoing' }),
  ];
  it('matches the name, the group ID or who joined, ignoring case; "missed" keeps only calls that rang here unanswered', () => {
    expect(logName(log[1]!)).toBe('Design team');
    expect(filterLog(log, 'design TEAM', false).map((r) => r.inviteID)).toEqual(['2']);
    expect(filterLog(log, 'carol', false).map((r) => r.inviteID)).toEqual(['2']);
    expect(filterLog(log, '', true).map((r) => r.inviteID)).toEqual(['3']);
    expect(filterLog(log, 'bob', true)).toEqual([]);
    expect(filterLog(log, '  ', false)).toHaveLength(4);
  });
});
