import { describe, expect, it } from 'vitest';
import { OutboundBudget, type OutboundSlot } from '../../src/server/gateway/outbound.ts';

function slot(userID: string, closed: string[], name: string): OutboundSlot {
  return { userID, queued: 0, tracked: false, overflow: () => closed.push(name) };
}

describe('OutboundBudget', () => {
  it('refuses the sending socket past its own budget', () => {
    const b = new OutboundBudget({ outboundPerSocket: 100, outboundPerUser: 1000, outboundProcess: 10_000 });
    const closed: string[] = [];
    const s = slot('u', closed, 's');
    b.track(s);
    expect(b.reserve(s, 60)).toBe(true);
    expect(b.reserve(s, 60)).toBe(false);
    b.release(s, 60);
    expect(b.reserve(s, 60)).toBe(true);
    expect(closed).toEqual([]);
  });

  it("closes the user's fullest socket past the per-user budget, and only that user's", () => {
    const b = new OutboundBudget({ outboundPerSocket: 100, outboundPerUser: 150, outboundProcess: 10_000 });
    const closed: string[] = [];
    const [a1, a2, other] = [slot('a', closed, 'a1'), slot('a', closed, 'a2'), slot('b', closed, 'b')];
    for (const s of [a1, a2, other]) b.track(s);
    expect(b.reserve(other, 90)).toBe(true);
    expect(b.reserve(a1, 90)).toBe(true);
    expect(b.reserve(a2, 50)).toBe(true);
    // a2 sending 20 more: a is at 160 > 150; a1 (90) is the fullest and is closed.
    expect(b.reserve(a2, 20)).toBe(true);
    expect(closed).toEqual(['a1']);
    expect(b.total).toBe(90 + 70);
    // When the sender is itself the fullest, it is the one refused.
    expect(b.reserve(a2, 90)).toBe(false);
  });

  it('closes the fullest socket of the process past the process budget', () => {
    const b = new OutboundBudget({ outboundPerSocket: 100, outboundPerUser: 100, outboundProcess: 150 });
    const closed: string[] = [];
    const [x, y] = [slot('x', closed, 'x'), slot('y', closed, 'y')];
    b.track(x);
    b.track(y);
    expect(b.reserve(x, 100)).toBe(true);
    expect(b.reserve(y, 60)).toBe(true);
    expect(closed).toEqual(['x']);
    expect(b.total).toBe(60);
    // Released bytes of an untracked socket no longer count.
    b.release(x, 100);
    expect(b.total).toBe(60);
  });
});
