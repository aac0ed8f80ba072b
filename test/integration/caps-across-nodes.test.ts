/**
 * Per-user caps hold across nodes (issue 8 items 4 and 5): two servers on one PostgreSQL
 * database (each with its own in-process bus, no Redis) take invitations, or new groups,
 * at the same moment, and neither the per-invitee nor the per-inviter pending cap, nor the
 * groups-per-user cap, is passed. The count and the insert are one step: each takes an
 * advisory lock per involved user before counting (PENDING_LOCK, GROUPS_LOCK in
 * sql-store.ts), so two transactions toward one user count one after the other.
 * SQLite has one writer at a time; the race exists only on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/protocol/limits.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { rawSocket } from './harness.ts';

const pgOnly = testBackend() === 'postgres' ? describe : describe.skip;
if (testBackend() !== 'postgres') console.log('caps-across-nodes: skipped on SQLite (one writer at a time; runs on the PostgreSQL project)');

type Socket = Awaited<ReturnType<typeof rawSocket>>;

pgOnly('per-user caps on two nodes at once', () => {
  let db: TestStorage;
  let nodes: RingletServer[];

  beforeAll(async () => {
    db = await testStorage('pending-caps');
    const limits = { pendingPerInvitee: 5, pendingFromStrangers: 5, pendingPerPair: 10, pendingSent: 3, messageRate: { perSecond: 1000, burst: 1000 } };
    nodes = [await startServer({ port: 0, ...db.serverOptions, limits, groupConsent: false }), await startServer({ port: 0, ...db.serverOptions, limits, groupConsent: false })];
  });
  afterAll(async () => {
    for (const n of nodes ?? []) await n.close();
    await db?.cleanup();
  });

  async function login(node: RingletServer, userID: string): Promise<Socket> {
    const s = await rawSocket(node.url);
    s.ws.send(JSON.stringify({ type: 'login', id: 'l', userID, userSig: await node.userSig(userID, 600) }));
    await s.next((f) => f.type === 'synced', 20_000);
    return s;
  }

  /** Sends every request at once (all sockets, all nodes), then collects the answers. */
  async function atOnce(reqs: Array<{ s: Socket; id: string; params: object }>, op = 'invite'): Promise<string[]> {
    for (const r of reqs) r.s.ws.send(JSON.stringify({ type: 'req', id: r.id, op, params: r.params }));
    return Promise.all(reqs.map(async (r) => {
      const a = await r.s.next((f) => f.type === 'res' && f.id === r.id, 20_000);
      return a.code === 0 ? 'ok' : `${a.code}:${a.reason}`;
    }));
  }

  it('pending_invitations toward one invitee: 24 inviters on two nodes, exactly the cap (5) get through', async () => {
    await nodes[0]!.userSig('pc-target');
    const inviters = await Promise.all(Array.from({ length: 24 }, (_, i) => login(nodes[i % 2]!, `pc-inviter${i}`)));
    const answers = await atOnce(inviters.map((s, i) => ({ s, id: `t${i}`, params: { userID: 'pc-target', timeout: 600 } })));
    expect(answers.filter((a) => a === 'ok')).toHaveLength(5);
    expect(answers.filter((a) => a !== 'ok')).toEqual(Array(19).fill('8040:pending_invitations'));
    for (const s of inviters) s.ws.close();
  });

  it('pending_invitations_sent of one inviter: 20 invitations from its sockets on two nodes, exactly the cap (3) get through', async () => {
    for (let i = 0; i < 20; i++) await nodes[0]!.userSig(`pc-callee${i}`);
    const sockets = await Promise.all([0, 1, 0, 1].map((n) => login(nodes[n]!, 'pc-caller')));
    const answers = await atOnce(Array.from({ length: 20 }, (_, i) => ({ s: sockets[i % 4]!, id: `s${i}`, params: { userID: `pc-callee${i}`, timeout: 600 } })));
    expect(answers.filter((a) => a === 'ok')).toHaveLength(3);
    expect(answers.filter((a) => a !== 'ok')).toEqual(Array(17).fill('8040:pending_invitations_sent'));
    for (const s of sockets) s.ws.close();
  });

  it(`groups_per_user: a user one group short of the cap (${LIMITS.maxGroupsPerUser}) is put into 12 new groups by 12 users on two nodes at once, exactly one gets in`, async () => {
    await nodes[0]!.userSig('gc-victim');
    const filler = await login(nodes[0]!, 'gc-filler');
    for (let i = 0; i < LIMITS.maxGroupsPerUser - 1; i++) {
      filler.ws.send(JSON.stringify({ type: 'req', id: `f${i}`, op: 'createGroup', params: { name: `f${i}`, groupID: `gc-f${i}`, memberList: ['gc-victim'] } }));
      const a = await filler.next((f) => f.type === 'res' && f.id === `f${i}`, 20_000);
      expect(a.code).toBe(0);
    }
    const creators = await Promise.all(Array.from({ length: 12 }, (_, i) => login(nodes[i % 2]!, `gc-creator${i}`)));
    const answers = await atOnce(creators.map((s, i) => ({ s, id: `g${i}`, params: { name: `race ${i}`, groupID: `gc-race${i}`, memberList: ['gc-victim'] } })), 'createGroup');
    expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a !== 'ok')).toEqual(Array(11).fill('8040:groups_per_user'));
    for (const s of [filler, ...creators]) s.ws.close();
  }, 120_000);
});
