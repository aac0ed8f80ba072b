/** The per-address upgrade admission and the log throttle: pure logic, on a pinned clock. */
import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionTicket } from '../../src/server/gateway/admission.ts';
import { LogThrottle } from '../../src/server/log-throttle.ts';

const isTicket = (t: AdmissionTicket | string): t is AdmissionTicket => typeof t !== 'string';

describe('Admission', () => {
  it('refuses past the per-address connection rate (connection_rate), counting every attempt, and lets a token back after 1/rate s', () => {
    const a = new Admission({ unauthenticatedPerIP: 100, connectionRatePerIP: { perSecond: 2, burst: 3 } });
    const got = Array.from({ length: 5 }, () => a.admit('10.0.0.1', 0));
    expect(got.map((t) => (isTicket(t) ? 'ok' : t))).toEqual(['ok', 'ok', 'ok', 'connection_rate', 'connection_rate']);
    // Another address has its own bucket.
    expect(isTicket(a.admit('10.0.0.2', 0))).toBe(true);
    expect(a.admit('10.0.0.1', 499)).toBe('connection_rate');
    expect(isTicket(a.admit('10.0.0.1', 1000))).toBe(true);
  });

  it('refuses past the unauthenticated-socket cap (unauthenticated_sockets) until a ticket is released; release is idempotent', () => {
    const a = new Admission({ unauthenticatedPerIP: 2, connectionRatePerIP: { perSecond: 1000, burst: 1000 } });
    const first = a.admit('10.0.0.1', 0);
    const second = a.admit('10.0.0.1', 0);
    expect(isTicket(first) && isTicket(second)).toBe(true);
    expect(a.admit('10.0.0.1', 0)).toBe('unauthenticated_sockets');
    (first as AdmissionTicket).release();
    (first as AdmissionTicket).release();
    expect(isTicket(a.admit('10.0.0.1', 0))).toBe(true);
    expect(a.admit('10.0.0.1', 0)).toBe('unauthenticated_sockets');
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
