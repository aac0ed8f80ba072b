/**
 * The pure parts of issue 22's login path: the revocation cache's merge (revocations only
 * grow, whatever order a store read and a broadcast arrive in), the login gate's slots
 * for refused clients, and the SDK's reconnect schedule with the server's hint.
 */
import { describe, expect, it } from 'vitest';
import { CloseCode, retryAfterMs, retryReason } from '../../src/protocol/close-codes.ts';
import { reconnectDelay } from '../../src/sdk/connection.ts';
import { RevocationCache } from '../../src/server/auth/revocation-cache.ts';
import { LoginGate } from '../../src/server/gateway/login-gate.ts';

const ref = { userID: 'u', tokenID: 't1' };

describe('the revocation cache', () => {
  it('knows nothing at first, then what the store said', () => {
    const c = new RevocationCache();
    expect(c.get(ref)).toBeNull();
    c.learn(ref, { generation: 2, tokenRevoked: false }, c.epoch);
    expect(c.get(ref)).toEqual({ generation: 2, tokenRevoked: false });
    // Another token of the same user: its own revocation is unknown.
    expect(c.get({ userID: 'u', tokenID: 't2' })).toBeNull();
  });

  it('keeps a revocation heard while a read was in flight, whichever arrives last', () => {
    const c = new RevocationCache();
    const epoch = c.epoch;
    c.revoked({ userID: 'u', tokenID: 't1' });
    c.learn(ref, { generation: 0, tokenRevoked: false }, epoch); // the read started before the revocation
    expect(c.get(ref)).toEqual({ generation: 0, tokenRevoked: true });
    c.learn(ref, { generation: 3, tokenRevoked: false }, epoch);
    c.revoked({ userID: 'u', belowGeneration: 5 });
    c.learn(ref, { generation: 4, tokenRevoked: false }, epoch);
    expect(c.get(ref)).toEqual({ generation: 5, tokenRevoked: true });
  });

  it('does not take a generation from a revocation alone (it may be behind the store), only raises a known one', () => {
    const c = new RevocationCache();
    c.revoked({ userID: 'u', belowGeneration: 1 });
    expect(c.get({ userID: 'u', tokenID: null })).toBeNull();
  });

  it('forgets, and ignores a read that started before the forget', () => {
    const c = new RevocationCache();
    c.learn(ref, { generation: 1, tokenRevoked: false }, c.epoch);
    const epoch = c.epoch;
    c.forget(['u']);
    expect(c.get(ref)).toBeNull();
    c.learn(ref, { generation: 1, tokenRevoked: false }, epoch);
    expect(c.get(ref)).toBeNull();
    c.learn(ref, { generation: 1, tokenRevoked: false }, c.epoch);
    c.forget(null);
    expect(c.get(ref)).toBeNull();
  });

  it('is bounded: the oldest users are dropped past the limit', () => {
    const c = new RevocationCache(2);
    for (const u of ['a', 'b', 'c']) c.learn({ userID: u, tokenID: null }, { generation: 0, tokenRevoked: false }, c.epoch);
    expect(c.size).toBe(2);
    expect(c.get({ userID: 'a', tokenID: null })).toBeNull();
  });
});

describe('the login gate', () => {
  type Ticket = { done(): void };
  /** Fills the gate (it refuses one), then finishes `n` logins by `at` ms. */
  function busy(gate: LoginGate, max: number, n: number, at: number): void {
    const held = Array.from({ length: max }, () => gate.enter(0) as Ticket);
    expect(typeof gate.enter(0)).toBe('number');
    for (const t of held) t.done();
    for (let i = max; i < n; i++) (gate.enter(0) as Ticket).done();
    gate.enter(at);
  }

  it('admits up to its limit, then hands each refused client a later slot', () => {
    const gate = new LoginGate(50, 0, () => 0.5);
    const held = Array.from({ length: 50 }, () => gate.enter(0));
    expect(held.every((t) => typeof t === 'object')).toBe(true);
    const hints = Array.from({ length: 20 }, () => gate.enter(0) as number);
    expect(hints.every((h) => typeof h === 'number' && h >= 100)).toBe(true);
    for (let i = 1; i < hints.length; i++) expect(hints[i]).toBeGreaterThanOrEqual(hints[i - 1]!);
    expect(hints[19]).toBeGreaterThan(hints[0]!);
    expect(gate.refused).toBe(20);
    (held[0] as Ticket).done();
    (held[0] as Ticket).done(); // idempotent
    expect(gate.inFlight).toBe(49);
    expect(typeof gate.enter(1)).toBe('object');
  });

  it('sizes the slots from the rate it finishes logins at while busy, not from a quiet spell', () => {
    const slow = new LoginGate(100, 0, () => 0.5);
    const fast = new LoginGate(100, 0, () => 0.5);
    busy(slow, 100, 100, 2000); // 100 logins in 2 s
    busy(fast, 100, 8000, 2000); // 8,000
    const fill = (g: LoginGate) => {
      while (typeof g.enter(2000) === 'object');
      return g.enter(2000) as number;
    };
    expect(fill(slow)).toBeGreaterThan(fill(fast));
    // Quiet: a few logins in 2 s, never half full: the estimate stays the assumed one.
    const quiet = new LoginGate(100, 0, () => 0.5);
    for (let i = 0; i < 3; i++) (quiet.enter(0) as Ticket).done();
    quiet.enter(2000);
    const fresh = new LoginGate(100, 2000, () => 0.5);
    fresh.enter(2000);
    expect(fill(quiet)).toBe(fill(fresh));
  });
});

describe('the SDK reconnect schedule', () => {
  const o = { backoffMinMs: 250, backoffMaxMs: 10_000, reconnectSpreadMs: 1000 };
  it('comes back within the spread first, then backs off, and believes a server hint', () => {
    expect(reconnectDelay(0, null, o, 0)).toBe(0);
    expect(reconnectDelay(0, null, o, 0.999)).toBeLessThan(1000);
    expect(reconnectDelay(1, null, o, 0)).toBe(250);
    expect(reconnectDelay(10, null, o, 0.999)).toBeLessThanOrEqual(10_000);
    expect(reconnectDelay(0, 3000, o, 0)).toBe(3000);
    expect(reconnectDelay(5, 3000, o, 0.999)).toBeLessThan(3750);
  });

  it('reads the hint only from a 1013 that names one', () => {
    expect(retryAfterMs(CloseCode.TRY_AGAIN_LATER, retryReason(1234.4))).toBe(1234);
    expect(retryAfterMs(CloseCode.TRY_AGAIN_LATER, 'busy')).toBeNull();
    expect(retryAfterMs(CloseCode.GOING_AWAY, 'retry:100')).toBeNull();
    expect(retryAfterMs(CloseCode.TRY_AGAIN_LATER, 'retry:999999999')).toBe(300_000);
  });
});
