/** The call window's stage order and pages (ui/call/stage.ts), and who the participant list shows (Participants.tsx). */
import { describe, expect, it } from 'vitest';
import { onPage, PAGE_TILES, pages, stageOrder } from '../../src/extension/ui/call/stage.ts';

describe('the stage of a group call', () => {
  it('puts the teacher and the speaker first, everyone else in the order they came', () => {
    const peers = ['s1', 's2', 'bob', 's3', 'alice'].map((userID) => ({ userID }));
    expect(stageOrder(peers, ['alice', 'bob']).map((p) => p.userID)).toEqual(['alice', 'bob', 's1', 's2', 's3']);
    expect(stageOrder(peers, [null, null]).map((p) => p.userID)).toEqual(['s1', 's2', 'bob', 's3', 'alice']);
  });

  it('pages past 9 tiles, and a page that no longer exists falls back to the last', () => {
    expect(PAGE_TILES).toBe(9);
    expect(pages(3, 0)).toEqual({ pages: 1, page: 0 });
    expect(pages(9, 0)).toEqual({ pages: 1, page: 0 });
    expect(pages(14, 1)).toEqual({ pages: 2, page: 1 });
    expect(pages(31, 7)).toEqual({ pages: 4, page: 3 });
    expect(pages(5, 2)).toEqual({ pages: 1, page: 0 });
    expect([0, 8, 9, 17, 18].map((i) => onPage(i, 1))).toEqual([false, false, true, true, false]);
  });
});
