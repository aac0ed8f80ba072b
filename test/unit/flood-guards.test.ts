/** The per-address upgrade admission and the log throttle: pure logic, on a pinned clock. */
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionTicket } from '../../src/server/gateway/admission.ts';
import { descriptorShares, openFileLimit } from '../../src/server/limits/descriptors.ts';
import { namedUsers, refuseUnknownUsers, requestCost } from '../../src/server/limits/request-cost.ts';
import { LogThrottle } from '../../src/server/log-throttle.ts';

const noop = () => undefined;
const isTicket = (t: AdmissionTicket | string): t is AdmissionTicket => typeof t !== 'string';

describe('Admission', () => {
  it('refuses past the per-address connection rate (connection_rate), counting every attempt, and lets a token back after 1/rate s', () => {
    const a = new Admission({ unauthenticatedPerIP: 100, unauthenticatedTotal: 1000, connectionRatePerIP: { perSecond: 2, burst: 3 } });
    const got = Array.from({ length: 5 }, () => a.admit('10.0.0.1', 0, noop));
    expect(got.map((t) => (isTicket(t) ? 'ok' : t))).toEqual(['ok', 'ok', 'ok', 'connection_rate', 'connection_rate']);
    // Another address has its own bucket.
    expect(isTicket(a.admit('10.0.0.2', 0, noop))).toBe(true);
    expect(a.admit('10.0.0.1', 499, noop)).toBe('connection_rate');
    expect(isTicket(a.admit('10.0.0.1', 1000, noop))).toBe(true);
  });

  it('refuses past the unauthenticated-socket cap (unauthenticated_sockets) until a ticket is released; release is idempotent', () => {
    const a = new Admission({ unauthenticatedPerIP: 2, unauthenticatedTotal: 1000, connectionRatePerIP: { perSecond: 1000, burst: 1000 } });
    const first = a.admit('10.0.0.1', 0, noop);
    const second = a.admit('10.0.0.1', 0, noop);
    expect(isTicket(first) && isTicket(second)).toBe(true);
    expect(a.admit('10.0.0.1', 0, noop)).toBe('unauthenticated_sockets');
    (first as AdmissionTicket).release();
    (first as AdmissionTicket).release();
    expect(isTicket(a.admit('10.0.0.1', 0, noop))).toBe(true);
    expect(a.admit('10.0.0.1', 0, noop)).toBe('unauthenticated_sockets');
  });
});

describe('Admission across addresses (unauthenticated_total)', () => {
  const limits = { unauthenticatedPerIP: 64, unauthenticatedTotal: 10, connectionRatePerIP: { perSecond: 1000, burst: 1000 } };

  it('at the cap, a newcomer takes the place of the busiest address\'s oldest waiting socket, which is cut', () => {
    const a = new Admission(limits);
    const cut: string[] = [];
    for (let i = 0; i < 6; i++) a.admit('10.0.0.1', 0, () => cut.push(`1.${i}`));
    for (let i = 0; i < 4; i++) a.admit('10.0.0.2', 0, () => cut.push(`2.${i}`));
    expect(a.waiting).toBe(10);
    expect(isTicket(a.admit('192.0.2.9', 0, noop))).toBe(true);
    expect(cut).toEqual(['1.0']);
    expect(a.waiting).toBe(10);
    expect(a.evicted).toBe(1);
  });

  it('refuses an address that already holds as many as the busiest (a flood cannot push itself in); a fresh address still gets in', () => {
    const a = new Admission(limits);
    const cut: number[] = [];
    for (let i = 0; i < 10; i++) a.admit(`10.0.1.${i}`, 0, () => cut.push(i));
    expect(a.admit('10.0.1.0', 0, noop)).toBe('unauthenticated_total');
    expect(cut).toEqual([]);
    expect(isTicket(a.admit('10.0.2.1', 0, noop))).toBe(true);
    expect(cut).toEqual([0]);
    expect(a.waiting).toBe(10);
  });

  it('a cut socket\'s ticket is released once: its later close changes nothing', () => {
    const a = new Admission({ ...limits, unauthenticatedTotal: 2 });
    let victim!: AdmissionTicket;
    const t = a.admit('10.0.0.1', 0, () => victim.release());
    victim = t as AdmissionTicket;
    a.admit('10.0.0.1', 0, noop);
    expect(isTicket(a.admit('10.0.0.2', 0, noop))).toBe(true);
    victim.release();
    expect(a.waiting).toBe(2);
  });
});

describe('descriptor shares', () => {
  it('gives waiting sockets a quarter of the open-file limit and all connections the limit less a reserve', () => {
    expect(descriptorShares(20_000, 4096)).toEqual({ limit: 20_000, unauthenticatedTotal: 4096, maxConnections: 19_744 });
    expect(descriptorShares(1024, 4096)).toEqual({ limit: 1024, unauthenticatedTotal: 256, maxConnections: 768 });
    expect(descriptorShares(null, 4096)).toEqual({ limit: null, unauthenticatedTotal: 4096, maxConnections: null });
    expect(openFileLimit()).toBeGreaterThan(0); // Linux: read from /proc/self/limits
  });
});

describe('request cost', () => {
  it('is 1 plus the entries of every list parameter', () => {
    expect(requestCost({})).toBe(1);
    expect(requestCost(undefined)).toBe(1);
    expect(requestCost({ name: 'g', memberList: Array(999).fill('x') })).toBe(1000);
    expect(requestCost({ groupID: 'g', userIDList: ['a', 'b'], other: ['c'] })).toBe(4);
  });

  it('names the users createGroup and addGroupMember must find, and none for other ops', () => {
    expect(namedUsers('createGroup', { name: 'g', memberList: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(namedUsers('createGroup', { name: 'g' })).toEqual([]);
    expect(namedUsers('addGroupMember', { groupID: 'g', userIDList: ['c'] })).toEqual(['c']);
    expect(namedUsers('deleteGroupMember', { groupID: 'g', userIDList: ['c'] })).toEqual([]);
  });

  it('refuses unknown users with 8002, every one listed once, a few named in the message', async () => {
    const known = async (ids: readonly string[]) => new Set(ids.filter((u) => u.startsWith('real')));
    await refuseUnknownUsers(known, ['real1', 'real2']);
    const ids = ['real1', ...Array.from({ length: 20 }, (_, i) => `ghost${i}`), 'ghost0'];
    const err = await refuseUnknownUsers(known, ids).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 8002, reason: 'user_not_found' });
    const body = (err as { toBody(): { userIDList: string[]; message: string } }).toBody();
    expect(body.userIDList).toHaveLength(20);
    expect(body.message).toContain('and 15 more');
  });
});

describe('LogThrottle', () => {
  it('lets one line per key per window through, with the count held back since the last one', () => {
    const t = new LogThrottle({ windowMs: 10_000, perWindow: 100 });
    expect(t.allow('a', 0)).toBe(0);
    expect(t.allow('a', 1)).toBeNull();
    expect(t.allow('a', 9_999)).toBeNull();
    expect(t.allow('b', 5)).toBe(0);
    expect(t.allow('a', 10_000)).toBe(2);
    expect(t.allow('a', 10_001)).toBeNull();
  });

  it('lets at most perWindow lines through in all per window, and the held-back keys report their count later', () => {
    const t = new LogThrottle({ windowMs: 1000, perWindow: 2 });
    expect([t.allow('a', 0), t.allow('b', 0), t.allow('c', 0), t.allow('c', 1)]).toEqual([0, 0, null, null]);
    expect(t.allow('c', 1000)).toBe(2);
  });
});
