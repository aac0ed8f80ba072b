/**
 * Issue 8 item 2 across nodes: a revocation on one node kicks the sessions holding the
 * token on another (two servers on one PostgreSQL database and one Redis bus). Runs in
 * the integration-postgres project; skipped on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { EVENT } from '../../src/sdk/index.ts';
import { REDIS_URL, skipUnless, testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { connectClient, type Client } from './harness.ts';
import { bearer, post } from './http-client.ts';

const skip = testBackend() !== 'postgres' || (await skipUnless('postgres', 'redis'));
if (testBackend() !== 'postgres') console.log('security-accounts-nodes: skipped on SQLite (several nodes need PostgreSQL and Redis; runs in integration-postgres)');

describe.skipIf(skip)('revocation across nodes', () => {
  let db: TestStorage;
  let a: RingletServer;
  let b: RingletServer;
  const clients: Client[] = [];
  beforeAll(async () => {
    db = await testStorage('revoke-nodes');
    // Redis keeps the address counters between runs: only the per-account ones are tested here.
    const accountLimits = { addressFreeFailures: 1_000_000, registrationsPerAddress: 1_000_000 };
    a = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, accountLimits });
    b = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, accountLimits });
  });
  afterAll(async () => {
    for (const c of clients) await c.chat.destroy();
    await a?.close();
    await b?.close();
    await db?.cleanup();
  });

  const user = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
  async function liveOn(server: RingletServer, userID: string, sig: string) {
    const c = await connectClient(server.url, userID, sig);
    clients.push(c);
    const kicked = new Promise<any>((r) => c.chat.on(EVENT.KICKED_OUT, (e: any) => r(e.data)));
    return { c, kicked };
  }

  it('logout on node A kicks the session holding that token on node B, not the others', async () => {
    const u = user('nodes');
    const t1 = await a.userSig(u, 3600);
    const t2 = await b.userSig(u, 3600);
    const s1 = await liveOn(b, u, t1);
    const s2 = await liveOn(b, u, t2);
    expect((await post(a.httpUrl, '/api/logout', {}, { headers: bearer(t1) })).status).toBe(200);
    expect(await s1.kicked).toMatchObject({ type: 'userSigExpired' });
    // s2 still answers: its request goes out after the kick of s1 was delivered.
    expect((await s2.c.chat.getGroupList()).code).toBe(0);
  });

  it('logout everywhere on node A kicks every session of the user on node B', async () => {
    const u = user('nodes-all');
    const s1 = await liveOn(b, u, await b.userSig(u, 3600));
    const s2 = await liveOn(a, u, await a.userSig(u, 3600));
    expect((await post(a.httpUrl, '/api/logout', { everywhere: true }, { headers: bearer(await a.userSig(u, 3600)) })).status).toBe(200);
    for (const k of await Promise.all([s1.kicked, s2.kicked])) expect(k).toMatchObject({ type: 'userSigExpired' });
  });

  it('shares the sign-in throttle between nodes: failures on node A lock the account on node B', async () => {
    const u = user('throttle');
    expect((await post(a.httpUrl, '/api/register', { userID: u, password: 'correct horse' })).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await post(a.httpUrl, '/api/login', { userID: u, password: `wrong guess ${i}` })).status).toBe(401);
    const res = await post(b.httpUrl, '/api/login', { userID: u, password: 'correct horse' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 8040, reason: 'login_attempts' });
  });
});
