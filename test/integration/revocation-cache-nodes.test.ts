/**
 * Issue 22: each node caches revocation state for the check a login makes before it joins
 * the bus, and still a token revoked on node A is refused on node B at once, though B had
 * it cached as good: the check after the session joined the bus reads the store, and the
 * revocation also reaches B's cache through the bus. Two servers on one PostgreSQL
 * database and one Redis; runs in the integration-postgres project, skipped on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import type { Bus, RevocationListener } from '../../src/server/hub/types.ts';
import { REDIS_URL, skipUnless, testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { rawSocket } from './harness.ts';
import { bearer, post } from './http-client.ts';

const skip = testBackend() !== 'postgres' || (await skipUnless('postgres', 'redis'));
if (testBackend() !== 'postgres') console.log('revocation-cache-nodes: skipped on SQLite (several nodes need PostgreSQL and Redis; runs in integration-postgres)');

/** This node's revocation lookups so far (ringlet_login_revocation_lookups). */
async function lookups(server: RingletServer): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(server.metricsUrl!)).text();
  const read = (result: string) => Number(new RegExp(`^ringlet_login_revocation_lookups\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  const out = { hit: read('hit'), miss: read('miss') };
  if (Number.isNaN(out.hit) || Number.isNaN(out.miss)) throw new Error(`no revocation lookups in the metrics:\n${text}`);
  return out;
}

/** One socket login; its result frame. */
async function login(server: RingletServer, userID: string, userSig: string): Promise<{ code: number; reason?: string }> {
  const s = await rawSocket(server.url);
  s.ws.send(JSON.stringify({ type: 'login', id: 'l', userID, userSig }));
  const res = await s.next((f) => f.type === 'res' && f.id === 'l', 15_000);
  s.ws.close();
  return res;
}

/** Polls until `check` holds (bounded). */
async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip)('revocation state cached per node', () => {
  let db: TestStorage;
  let a: RingletServer;
  let b: RingletServer;
  /** Node C hears no revocation through the bus (its cache only learns from the store). */
  let c: RingletServer;
  beforeAll(async () => {
    db = await testStorage('revoke-cache');
    const accountLimits = { addressFreeFailures: 1_000_000, registrationsPerAddress: 1_000_000 };
    const metrics = { host: '127.0.0.1', port: 0 };
    a = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, accountLimits, metrics });
    b = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, accountLimits, metrics });
    c = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, accountLimits, metrics, wrapBus: deaf });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await c?.close();
    await db?.cleanup();
  });

  const user = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

  it('a token revoked on node A is refused on node B at once, though B had it cached as good', async () => {
    const u = user('cached');
    const t = await a.userSig(u, 3600);
    expect((await login(b, u, t)).code).toBe(0);
    // B answers the next login of this token from its cache.
    const before = await lookups(b);
    expect((await login(b, u, t)).code).toBe(0);
    expect(await lookups(b)).toEqual({ hit: before.hit + 1, miss: before.miss });

    expect((await post(a.httpUrl, '/api/logout', {}, { headers: bearer(t) })).status).toBe(200);
    expect(await login(b, u, t)).toMatchObject({ code: 70001, reason: 'bad_user_sig' });
    // B's cache heard of it through the bus: refused before the store is asked.
    await until(async () => {
      const l0 = await lookups(b);
      const r = await login(b, u, t);
      const l1 = await lookups(b);
      return r.code === 70001 && l1.hit === l0.hit + 1 && l1.miss === l0.miss;
    });
  });

  it('a node that never hears of a revocation refuses the token all the same (the check after joining the bus reads the store)', async () => {
    const u = user('deaf');
    const t = await a.userSig(u, 3600);
    expect((await login(c, u, t)).code).toBe(0);
    expect((await post(a.httpUrl, '/api/logout', {}, { headers: bearer(t) })).status).toBe(200);
    const before = await lookups(c);
    expect(await login(c, u, t)).toMatchObject({ code: 70001, reason: 'bad_user_sig' });
    // C's first check passed from its stale cache; the refusal came from the store.
    expect((await lookups(c)).hit).toBe(before.hit + 1);
    // … and C learnt it: the next try is refused by the cache itself.
    expect(await login(c, u, t)).toMatchObject({ code: 70001 });
  });

  it('sign out everywhere on node A refuses every older token on node B at once', async () => {
    const u = user('everywhere');
    const t1 = await b.userSig(u, 3600);
    expect((await login(b, u, t1)).code).toBe(0);
    expect((await login(b, u, t1)).code).toBe(0);
    expect((await post(a.httpUrl, '/api/logout', { everywhere: true }, { headers: bearer(await a.userSig(u, 3600)) })).status).toBe(200);
    expect(await login(b, u, t1)).toMatchObject({ code: 70001, reason: 'bad_user_sig' });
    // A token issued after it logs in on B (the cached generation rose, it did not stick).
    expect((await login(b, u, await a.userSig(u, 3600))).code).toBe(0);
  });
});

/** A bus that never tells its node of revocations (as if every broadcast were lost). */
function deaf(inner: Bus): Bus {
  return {
    register: (s) => inner.register(s),
    unregister: (s) => inner.unregister(s),
    publish: (d) => inner.publish(d),
    revoke: (r) => inner.revoke(r),
    watchRevocations: (_l: RevocationListener) => undefined,
    online: (u) => inner.online(u),
    close: () => inner.close(),
  };
}
