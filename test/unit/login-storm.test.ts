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
  it('admits up to its limit, then hands each refused client a later slot', () => {
    const gate = new LoginGate(2, 0, () => 0.5);
    const t1 = gate.enter(0);
    const t2 = gate.enter(0);
    expect(typeof t1).toBe('object');
    expect(typeof t2).toBe('object');
    const h1 = gate.enter(0) as number;
    const h2 = gate.enter(0) as number;
    const h3 = gate.enter(0) as number;
    expect(typeof h1).toBe('number');
    expect(h2).toBeGreaterThan(h1);
    expect(h3).toBeGreaterThan(h2);
    expect(gate.refused).toBe(3);
    (t1 as { done(): void }).done();
    (t1 as { done(): void }).done(); // idempotent
    expect(gate.inFlight).toBe(1);
    expect(typeof gate.enter(1)).toBe('object');
  });

  it('sizes the slots from the rate it finishes logins at', () => {
    const slow = new LoginGate(1, 0, () => 0.5);
    const fast = new LoginGate(1, 0, () => 0.5);
    // slow finishes 1 login in 2 s, fast 1,000.
    for (const [gate, n] of [[slow, 1], [fast, 1000]] as const) {
      for (let i = 0; i < n; i++) (gate.enter(0) as { done(): void }).done();
      gate.enter(2000);
    }
    expect(slow.enter(2000) as number).toBeGreaterThan(fast.enter(2000) as number);
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
