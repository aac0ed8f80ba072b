/**
 * Issue 17, attack 5: password sign-in denied by a guessing flood from many addresses.
 * Before, the hashing queue (16 places) filled before per-address fairness applied: with
 * 250 addresses, 1 legitimate sign-in in 63 got through, the rest 503 `password_hashing`.
 *
 * Here 250 loopback addresses (127.0.1.x) guess as fast as answers come back, at unknown
 * accounts and at the victim's (whose account lock they so set). During the flood:
 * - the victim, from a device that signed in before (its device token, OWASP's device
 *   cookie), signs in at the first attempt: its own lane, its own lock;
 * - a user on a fresh device from a quiet address signs in at the first attempt too: the
 *   second half of the password lane is kept for keys holding no place, waiting jobs take
 *   turns by address, and addresses that have failed sign-ins wait after quiet ones;
 * how long each took is printed, not asserted: it is this machine's speed (a sign-in that
 * arrives with the flood's very first wave, before any flooding address has failed, waits
 * one turn of every address: about addresses × 50 ms / 2 hashing threads, far more on a
 * loaded machine). Refused shows as a status other than 200; starved (never given a turn
 * while the flood runs, which stops only after both answered) as the test's timeout.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { post, type HttpAnswer } from './http-client.ts';

const ADDRESSES = 250;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ accountLimits: { registrationsPerAddress: 1000 } });
});
afterAll(() => h.close());

async function register(userID: string, from: string): Promise<HttpAnswer> {
  const res = await post(h.server.httpUrl, '/api/register', { userID, password: 'correct horse' }, { from });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

async function timed(fn: () => Promise<HttpAnswer>): Promise<{ res: HttpAnswer; ms: number }> {
  const t0 = performance.now();
  const res = await fn();
  return { res, ms: Math.round(performance.now() - t0) };
}

describe('sign-in under a guessing flood from 250 addresses', () => {
  it('lets a known device and a fresh device from a quiet address sign in at their first attempt', async () => {
    const base = h.server.httpUrl;
    await register('victim', '127.0.0.50');
    await register('fresh', '127.0.0.51');
    // The victim's browser signed in before: it holds a device token for the account.
    const before = await post(base, '/api/login', { userID: 'victim', password: 'correct horse' }, { from: '127.0.0.50' });
    expect(before.status).toBe(200);
    const deviceToken: string = before.body.data.deviceToken;
    expect(deviceToken).toMatch(/^d1\./);
    // The attacker locks the victim's account first (past its 5 free failures).
    for (let i = 0; i < 6; i++) expect((await post(base, '/api/login', { userID: 'victim', password: `lock guess ${i}` }, { from: '127.0.0.99' })).status).toBe(401);
    // A new device waits out the lock (OWASP: untrusted clients); the known device does not.
    const [newDevice, knownDevice] = await Promise.all([
      post(base, '/api/login', { userID: 'victim', password: 'correct horse' }, { from: '127.0.0.62' }),
      post(base, '/api/login', { userID: 'victim', password: 'correct horse', deviceToken }, { from: '127.0.0.63' }),
    ]);
    expect(newDevice.body).toMatchObject({ code: 8040, reason: 'login_attempts' });
    expect(knownDevice.status).toBe(200);

    let stop = false;
    const seen = new Map<string, number>();
    let firstRefusal!: () => void;
    let answered = 0;
    let refusedOnce = false;
    const saturated = new Promise<void>((r) => (firstRefusal = r));
    const agents: Agent[] = [];
    const flood = Array.from({ length: ADDRESSES }, async (_, a) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.1.${a + 1}` });
      agents.push(agent);
      for (let i = 0; !stop; i++) {
        const userID = i % 4 === 0 ? 'victim' : `ghost-${a}-${i}`;
        const res = await post(base, '/api/login', { userID, password: `guess ${a} ${i}` }, { agent }).catch(() => ({ status: 0, body: null, headers: {} }));
        const key = `${res.status} ${res.body?.reason ?? ''}`.trim();
        seen.set(key, (seen.get(key) ?? 0) + 1);
        answered++;
        // Saturated (hashing places refused) and past its first wave: every flooding address has guessed.
        if (res.body?.reason === 'password_hashing') refusedOnce = true;
        if (refusedOnce && answered >= 2 * ADDRESSES) firstRefusal();
      }
    });
    try {
      await saturated;
      const [known, fresh] = await Promise.all([
        timed(() => post(base, '/api/login', { userID: 'victim', password: 'correct horse', deviceToken }, { from: '127.0.0.60' })),
        timed(() => post(base, '/api/login', { userID: 'fresh', password: 'correct horse' }, { from: '127.0.0.61' })),
      ]);
      const stillFlooding = !stop;
      console.log(`sign-in flood from ${ADDRESSES} addresses: known device ${known.ms} ms (${known.res.status}), fresh device ${fresh.ms} ms (${fresh.res.status}); flood answers ${JSON.stringify(Object.fromEntries(seen))}`);
      expect(stillFlooding).toBe(true);
      expect(known.res.status, JSON.stringify(known.res.body)).toBe(200);
      expect(known.res.body.data.deviceToken).toMatch(/^d1\./);
      expect(fresh.res.status, JSON.stringify(fresh.res.body)).toBe(200);
    } finally {
      stop = true;
      await Promise.all(flood);
      for (const a of agents) a.destroy();
    }
    // Every guess was answered: wrong password, or a quick refusal (its share, its lock).
    for (const key of seen.keys()) expect(['401 bad_credentials', '429 password_hashing', '429 login_attempts', '503 password_hashing']).toContain(key);
  }, 300_000); // a hang guard: on a loaded 2-core machine the flood's first 500 answers alone took ~100 s
});
