import { describe, expect, it } from 'vitest';
import { ACCOUNT_LIMITS } from '../../src/server/auth/account-limits.ts';
import { HashPool } from '../../src/server/auth/hash-pool.ts';
import { RetryLater } from '../../src/server/auth/retry-later.ts';
import { AccountThrottle, memoryLimiters } from '../../src/server/auth/throttle.ts';
import { revokes } from '../../src/server/auth/tokens.ts';

/** A job the test finishes by hand. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { open, fn: () => done };
}

describe('hash pool', () => {
  it('runs at most `concurrency` jobs, refuses a key past its places at once, and lets another key in', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: 4 });
    const flood = 'address:flood';
    const g = [gate(), gate()];
    const admitted = g.map((x) => pool.run([{ key: flood, max: 2 }], x.fn));
    await expect(pool.run([{ key: flood, max: 2 }], async () => 'never')).rejects.toMatchObject({ status: 429, reason: 'password_hashing' });
    const order: string[] = [];
    const real = pool.run([{ key: 'address:real', max: 2 }], async () => order.push('real'));
    g[0]!.open();
    g[1]!.open();
    await Promise.all([...admitted, real]);
    expect(order).toEqual(['real']);
    expect(pool.stats).toMatchObject({ maxRunning: 1, maxAdmitted: 3, refusedKey: 1 });
  });

  it('answers 503 when the whole pool is full', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: 2 });
    const g = [gate(), gate()];
    const held = g.map((x, i) => pool.run([{ key: `k${i}`, max: 1 }], x.fn));
    const err = await pool.run([{ key: 'k9', max: 1 }], async () => 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ status: 503, retryAfter: 1 });
    g.forEach((x) => x.open());
    await Promise.all(held);
    // Places are given back: a new job runs.
    expect(await pool.run([{ key: 'k9', max: 1 }], async () => 'ran')).toBe('ran');
  });
});

describe('account throttle', () => {
  it('locks an account after its free failures, doubling the delay each time', async () => {
    const t = new AccountThrottle(memoryLimiters(), { ...ACCOUNT_LIMITS, accountFreeFailures: 2, addressFreeFailures: 100, firstDelaySeconds: 10, maxDelaySeconds: 35 });
    const locks = [];
    for (let i = 0; i < 5; i++) locks.push(await t.failed('ann', `10.0.0.${i}`));
    expect(locks).toEqual([0, 0, 10, 20, 35]);
    await expect(t.check('ann', '10.9.9.9')).rejects.toMatchObject({ status: 429, reason: 'login_attempts' });
    await t.check('bob', '10.9.9.9');
    await t.succeeded('ann');
    await t.check('ann', '10.9.9.9');
  });

  it('spends an address budget of registrations', async () => {
    const t = new AccountThrottle(memoryLimiters(), { ...ACCOUNT_LIMITS, registrationsPerAddress: 2 });
    await t.register('a');
    await t.register('a');
    await expect(t.register('a')).rejects.toMatchObject({ status: 429, reason: 'registrations' });
    await t.register('b');
  });
});

describe('revocation rules', () => {
  const claims = { userID: 'u', generation: 3, tokenID: 'abc' };
  it('covers tokens below the generation, or the one ID, of that user only', () => {
    expect(revokes({ userID: 'u', belowGeneration: 4 }, claims)).toBe(true);
    expect(revokes({ userID: 'u', belowGeneration: 3 }, claims)).toBe(false);
    expect(revokes({ userID: 'u', tokenID: 'abc' }, claims)).toBe(true);
    expect(revokes({ userID: 'u', tokenID: 'abd' }, claims)).toBe(false);
    expect(revokes({ userID: 'v', belowGeneration: 99, tokenID: 'abc' }, claims)).toBe(false);
    expect(revokes({ userID: 'u', tokenID: 'abc' }, { ...claims, tokenID: null })).toBe(false);
  });
});

describe('hash pool fairness', () => {
  it('serves waiting jobs round-robin by address: a newcomer goes before the rest of a flood', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: 16 });
    const order: string[] = [];
    const first = gate();
    const running = pool.run([{ key: 'address:flood', max: 8 }], async () => { await first.fn(); order.push('flood-0'); });
    const flood = [1, 2, 3].map((i) => pool.run([{ key: 'address:flood', max: 8 }], async () => { order.push(`flood-${i}`); }));
    const real = pool.run([{ key: 'address:real', max: 8 }], async () => { order.push('real'); });
    first.open();
    await Promise.all([running, ...flood, real]);
    expect(order).toEqual(['flood-0', 'flood-1', 'real', 'flood-2', 'flood-3']);
  });
});
