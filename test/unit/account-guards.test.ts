import { describe, expect, it } from 'vitest';
import { ACCOUNT_LIMITS } from '../../src/server/auth/account-limits.ts';
import { DeviceTokens } from '../../src/server/auth/device-tokens.ts';
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
    const pool = new HashPool({ concurrency: 1, capacity: { password: 4, device: 4 } });
    const flood = 'address:flood';
    const g = [gate(), gate()];
    const admitted = g.map((x) => pool.run('password', [{ key: flood, max: 2 }], x.fn));
    await expect(pool.run('password', [{ key: flood, max: 2 }], async () => 'never')).rejects.toMatchObject({ status: 429, reason: 'password_hashing' });
    const order: string[] = [];
    const real = pool.run('password', [{ key: 'address:real', max: 2 }], async () => order.push('real'));
    g[0]!.open();
    g[1]!.open();
    await Promise.all([...admitted, real]);
    expect(order).toEqual(['real']);
    expect(pool.stats).toMatchObject({ maxRunning: 1, maxAdmitted: 3, refusedKey: 1 });
  });

  it('answers 503 when the whole pool is full', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: { password: 2, device: 2 } });
    const g = [gate(), gate()];
    const held = g.map((x, i) => pool.run('password', [{ key: `k${i}`, max: 1 }], x.fn));
    const err = await pool.run('password', [{ key: 'k9', max: 1 }], async () => 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ status: 503, retryAfter: 1 });
    g.forEach((x) => x.open());
    await Promise.all(held);
    // Places are given back: a new job runs.
    expect(await pool.run('password', [{ key: 'k9', max: 1 }], async () => 'ran')).toBe('ran');
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
    const pool = new HashPool({ concurrency: 1, capacity: { password: 16, device: 16 } });
    const order: string[] = [];
    const first = gate();
    const running = pool.run('password', [{ key: 'address:flood', max: 8 }], async () => { await first.fn(); order.push('flood-0'); });
    const flood = [1, 2, 3].map((i) => pool.run('password', [{ key: 'address:flood', max: 8 }], async () => { order.push(`flood-${i}`); }));
    const real = pool.run('password', [{ key: 'address:real', max: 8 }], async () => { order.push('real'); });
    first.open();
    await Promise.all([running, ...flood, real]);
    expect(order).toEqual(['flood-0', 'flood-1', 'real', 'flood-2', 'flood-3']);
  });
});

describe('hash pool lanes and shares', () => {
  it('keeps the second half of a lane for keys holding no place: a flooding address gets no more, a newcomer does', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: { password: 4, device: 4 } });
    const g = [gate(), gate()];
    const held = g.map((x) => pool.run('password', [{ key: 'address:flood', max: 8 }], x.fn));
    await expect(pool.run('password', [{ key: 'address:flood', max: 8 }], async () => 0)).rejects.toMatchObject({ status: 429 });
    const real = pool.run('password', [{ key: 'address:real', max: 8 }], async () => 'real');
    g.forEach((x) => x.open());
    expect(await real).toBe('real');
    await Promise.all(held);
  });

  it('takes turns between the lanes: a known device waits for one password job, not for the whole flood', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: { password: 64, device: 4 } });
    const order: string[] = [];
    const first = gate();
    const running = pool.run('password', [{ key: 'address:a0', max: 8 }], async () => { await first.fn(); order.push('p0'); });
    const flood = Array.from({ length: 5 }, (_, i) => pool.run('password', [{ key: `address:a${i + 1}`, max: 8 }], async () => { order.push(`p${i + 1}`); }));
    const device = pool.run('device', [{ key: 'device:d', max: 1 }], async () => { order.push('device'); });
    first.open();
    await Promise.all([running, ...flood, device]);
    expect(order.indexOf('device')).toBe(1);
  });

  it('holds each lane to its own places: a full password lane does not refuse the device lane', async () => {
    const pool = new HashPool({ concurrency: 1, capacity: { password: 1, device: 1 } });
    const g = gate();
    const held = pool.run('password', [{ key: 'address:x', max: 1 }], g.fn);
    await expect(pool.run('password', [{ key: 'address:y', max: 1 }], async () => 0)).rejects.toMatchObject({ status: 503 });
    const device = pool.run('device', [{ key: 'device:d', max: 1 }], async () => 'in');
    g.open();
    expect(await device).toBe('in');
    await held;
  });
});

describe('device tokens', () => {
  const now = 1_800_000_000_000;
  const tokens = new DeviceTokens('s'.repeat(40), 3600, () => now);

  it('names its device for the user and generation it was issued for, and nothing else', () => {
    const t = tokens.issue('ann', 2);
    const device = tokens.verify(t, 'ann', 2);
    expect(device).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(tokens.verify(tokens.issue('ann', 2, device!), 'ann', 2)).toBe(device);
    expect(tokens.verify(t, 'bob', 2)).toBeNull();
    expect(tokens.verify(t, 'ann', 3)).toBeNull(); // sign-out everywhere, password change
    expect(new DeviceTokens('t'.repeat(40), 3600, () => now).verify(t, 'ann', 2)).toBeNull();
    expect(new DeviceTokens('s'.repeat(40), 3600, () => now + 3600_000).verify(t, 'ann', 2)).toBeNull();
    const [, id, exp, mac] = t.split('.');
    expect(tokens.verify(`d1.${id}.${Number(exp) + 1}.${mac}`, 'ann', 2)).toBeNull();
    expect(tokens.verify('not a token', 'ann', 2)).toBeNull();
  });
});
