/**
 * The per-user ordering step shared by both buses (hub/user-order.ts, hub/delivery-order.ts)
 * and the in-process bus that runs it: a user's stored events go to its sessions in seq
 * order, each once; a gap that does not fill in time closes the user's sessions with 1012.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../../src/protocol/close-codes.ts';
import { DeliveryOrder } from '../../src/server/hub/delivery-order.ts';
import { LocalBus } from '../../src/server/hub/local-bus.ts';
import type { Delivery, SessionSink } from '../../src/server/hub/types.ts';
import { UserOrder, type OrderState } from '../../src/server/hub/user-order.ts';

const d = (seq: number | null, frame = `e${seq}`, exceptSession?: string): Delivery => ({ userID: 'alice', seq, frame, ...(exceptSession ? { exceptSession } : {}) });

function run(order: UserOrder): { frames: string[]; take(x: Delivery): number; start(base: number | null): number } {
  const frames: string[] = [];
  const pass = (x: Delivery) => void frames.push(x.frame);
  return { frames, take: (x) => order.take(x, pass), start: (base) => order.start(base, pass) };
}

describe('UserOrder', () => {
  it('holds seq 2 until seq 1 arrives, then passes both in order', () => {
    const o = new UserOrder();
    const r = run(o);
    r.start(0);
    r.take(d(2));
    expect(r.frames).toEqual([]);
    expect(o.waiting).toBe(true);
    expect(r.take(d(1))).toBe(1);
    expect(r.frames).toEqual(['e1', 'e2']);
    expect(o.waiting).toBe(false);
    expect(o.last).toBe(2);
  });

  it('fills a gap of several in any order, and passes a held seq only once', () => {
    const o = new UserOrder();
    const r = run(o);
    r.start(10);
    for (const s of [14, 12, 14, 13]) r.take(d(s));
    expect(o.state).toEqual({ after: 10, held: [12, 13, 14], expect: null });
    r.take(d(11));
    expect(r.frames).toEqual(['e11', 'e12', 'e13', 'e14']);
  });

  it('keeps what arrives before the baseline until it is known, and passes events inside the baseline straight on', () => {
    const o = new UserOrder();
    const r = run(o);
    r.take(d(7));
    r.take(d(null, 'online'));
    r.take(d(5));
    expect(r.frames).toEqual([]);
    expect(o.last).toBeNull();
    r.start(5);
    // 5 is in every session's catch-up (each drops it); 6 is missing, so 7 and what came after it wait.
    expect(r.frames).toEqual(['e5']);
    r.take(d(6));
    expect(r.frames).toEqual(['e5', 'e6', 'e7', 'online']);
  });

  it('without a baseline, starts from the first stored event', () => {
    const o = new UserOrder();
    const r = run(o);
    r.start(null);
    r.take(d(40));
    r.take(d(42));
    r.take(d(41));
    expect(r.frames).toEqual(['e40', 'e41', 'e42']);
  });

  it('passes online-only events at once, except behind a held event published before them', () => {
    const o = new UserOrder();
    const r = run(o);
    r.start(0);
    r.take(d(null, 'first'));
    r.take(d(1));
    r.take(d(3));
    r.take(d(null, 'after 3'));
    r.take(d(5));
    r.take(d(null, 'after 5'));
    expect(r.frames).toEqual(['first', 'e1']);
    r.take(d(2));
    expect(r.frames).toEqual(['first', 'e1', 'e2', 'e3', 'after 3']);
    r.take(d(4));
    expect(r.frames).toEqual(['first', 'e1', 'e2', 'e3', 'after 3', 'e4', 'e5', 'after 5']);
  });

  it('waits for a seq the store has when told to expect it, until it arrives', () => {
    const o = new UserOrder();
    const r = run(o);
    r.start(3);
    o.expect(3);
    expect(o.waiting).toBe(false);
    o.expect(5);
    expect(o.waiting).toBe(true);
    r.take(d(4));
    expect(o.waiting).toBe(true);
    r.take(d(5));
    expect(o.waiting).toBe(false);
    expect(r.frames).toEqual(['e4', 'e5']);
  });
});

describe('DeliveryOrder', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function order(seqOf?: (u: string) => Promise<number>) {
    const frames: string[] = [];
    const gaps: Array<[string, OrderState]> = [];
    const o = new DeliveryOrder({ holdMs: 1000, seqOf, pass: (x) => void frames.push(x.frame), gap: (u, s) => void gaps.push([u, s]) });
    return { o, frames, gaps };
  }

  it('reports a gap that does not fill within holdMs, once', async () => {
    const { o, frames, gaps } = order(async () => 0);
    await o.join('alice')();
    o.take(d(1));
    o.take(d(3));
    vi.advanceTimersByTime(999);
    expect(gaps).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(gaps).toEqual([['alice', { after: 1, held: [3], expect: null }]]);
    vi.advanceTimersByTime(5000);
    expect(gaps).toHaveLength(1);
    expect(frames).toEqual(['e1']);
  });

  it('stops the clock when the gap fills in time', async () => {
    const { o, frames, gaps } = order(async () => 0);
    await o.join('alice')();
    o.take(d(2));
    vi.advanceTimersByTime(900);
    o.take(d(1));
    vi.advanceTimersByTime(5000);
    expect(gaps).toEqual([]);
    expect(frames).toEqual(['e1', 'e2']);
    expect(o.gapsFilled).toBe(1);
  });

  it('reads the baseline once for all of a user\'s sessions, and starts over after the last one leaves', async () => {
    let current = 4;
    const reads: number[] = [];
    const { o, frames } = order(async () => (reads.push(current), current));
    const first = o.join('alice');
    const second = o.join('alice');
    await Promise.all([first(), second()]);
    expect(reads).toEqual([4]);
    o.take(d(6));
    o.take(d(5));
    expect(frames).toEqual(['e5', 'e6']);
    o.leave('alice');
    current = 9;
    await o.join('alice')();
    expect(reads).toEqual([4, 9]);
    o.take(d(11));
    expect(frames).toEqual(['e5', 'e6']);
  });

  it('a failed baseline read fails the session that asked, and the user is still ordered from its first event', async () => {
    const { o, frames } = order(async () => {
      throw new Error('store down');
    });
    const settle = o.join('alice');
    await expect(settle()).rejects.toThrow('store down');
    await expect(settle()).resolves.toBeUndefined();
    o.take(d(8));
    o.take(d(10));
    o.take(d(9));
    expect(frames).toEqual(['e8', 'e9', 'e10']);
  });
});

/** A session that records what it is handed and how it was closed. */
function sink(id: string): SessionSink & { frames: string[]; closed: number | null } {
  const s = {
    id, userID: 'alice', frames: [] as string[], closed: null as number | null,
    deliver: (x: Delivery) => void s.frames.push(x.frame),
    kick: () => undefined,
    revokedBy: () => false,
    close: (code: number) => void (s.closed = code),
  };
  return s;
}

describe('LocalBus', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('hands seq 2 then seq 1 to every session as 1, 2, leaving out the one that caused each after ordering', async () => {
    const bus = new LocalBus({ seqOf: async () => 0 });
    const a = sink('a');
    const b = sink('b');
    await bus.register(a);
    await bus.register(b);
    bus.publish([d(2, 'e2', 'a')]);
    expect(b.frames).toEqual([]);
    bus.publish([d(1)]);
    expect(a.frames).toEqual(['e1']);
    expect(b.frames).toEqual(['e1', 'e2']);
  });

  it('closes the user\'s sessions with 1012 when a gap never fills, and orders anew from the store after they reconnect', async () => {
    let current = 1;
    const bus = new LocalBus({ seqOf: async () => current, holdMs: 1000 });
    const a = sink('a');
    await bus.register(a);
    bus.publish([d(3)]);
    vi.advanceTimersByTime(1000);
    expect(a.closed).toBe(CloseCode.RESYNC);
    expect(a.frames).toEqual([]);
    // The reconnect's catch-up replays 2 and 3 from the store; live events continue after them.
    current = 3;
    const again = sink('a2');
    await bus.register(again);
    bus.publish([d(4)]);
    expect(again.frames).toEqual(['e4']);
  });

  it('reads the baseline from the store: a first event that skipped ahead waits for the one before it', async () => {
    const bus = new LocalBus({ seqOf: async () => 7 });
    const a = sink('a');
    await bus.register(a);
    bus.publish([d(9)]);
    expect(a.frames).toEqual([]);
    bus.publish([d(8)]);
    expect(a.frames).toEqual(['e8', 'e9']);
  });
});
