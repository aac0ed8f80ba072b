/**
 * Issue 17, attack 8 and the NUL half of 9 on the real server (SQLite by default, PostgreSQL
 * with RINGLET_TEST_BACKEND=postgres): every request is charged before it runs, one token
 * plus one per list entry (`request_cost`), so createGroup with 999 unknown IDs and user-ID
 * probing through addGroupMember's 8002 `userIDList` are bounded per user; unknown IDs are
 * refused with a short answer; a NUL in any string is 8001 on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/server/limits/config.ts';
import { rawSocket, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function loggedIn(userID: string) {
  const s = await rawSocket(h.server.url);
  s.ws.send(JSON.stringify({ type: 'login', id: 'l1', userID, userSig: await h.server.userSig(userID, 600) }));
  await s.next((f) => f.type === 'synced');
  return s;
}

/** Sends every request at once and collects the answers, in order. */
async function burst(s: Awaited<ReturnType<typeof loggedIn>>, op: string, params: (i: number) => object, n: number) {
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.request(op, params(i))));
  return { answers, seconds: (performance.now() - t0) / 1000 };
}

const unknown = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const { perSecond, burst: bucket } = DEFAULT_LIMITS.requestCost;

describe('the cost model', () => {
  it('charges createGroup per member: a flood of 999 unknown IDs gets two short 8002s, then 8040 request_cost', async () => {
    const s = await loggedIn('flooder');
    const { answers, seconds } = await burst(s, 'createGroup', (i) => ({ name: `g${i}`, memberList: unknown(`ghost${i}`, 999) }), 40);
    const notFound = answers.filter((a) => a.code === 8002);
    const refused = answers.filter((a) => a.code === 8040);
    expect(notFound.length + refused.length).toBe(40);
    // The bucket holds `burst` tokens and refills `perSecond`: each request costs 1000.
    expect(notFound.length).toBeLessThanOrEqual(Math.floor((bucket + perSecond * seconds) / 1000));
    expect(notFound.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(r).toMatchObject({ code: 8040, reason: 'request_cost' });
    // One answer lists the unknown IDs once; the message names a few, not all 999.
    expect(notFound[0]).toMatchObject({ reason: 'user_not_found' });
    expect(notFound[0].userIDList).toHaveLength(999);
    expect(notFound[0].message.length).toBeLessThan(200);
    // Another user is not charged for it.
    const other = await loggedIn('bystander-1');
    expect((await other.request('createGroup', { name: 'mine' })).code).toBe(0);
    s.ws.close();
    other.ws.close();
  });

  it('rate-limits user-ID probing through addGroupMember like any other request', async () => {
    const s = await loggedIn('prober');
    const group = (await s.request('createGroup', { name: 'probe', type: 'Work' })).data.group.groupID;
    const { answers, seconds } = await burst(s, 'addGroupMember', (i) => ({ groupID: group, userIDList: unknown(`probe${i}`, 100) }), 100);
    const tested = answers.filter((a) => a.code === 8002).reduce((n, a) => n + a.userIDList.length, 0);
    // Before the cost model: every request answered 8002 with its 100 IDs (10,000 here).
    expect(tested).toBeLessThanOrEqual(bucket + perSecond * seconds);
    // Each costs 101 tokens: at most what the bucket held plus its refill during the burst
    // ran (a slower machine refills more), every other one is refused.
    const admitted = Math.floor((bucket + perSecond * seconds) / 101);
    expect(admitted).toBeLessThan(100); // true below 40 s: the burst outran the refill
    expect(answers.filter((a) => a.code === 8040).length).toBeGreaterThanOrEqual(100 - admitted);
    for (const a of answers) expect([8002, 8040]).toContain(a.code);
    s.ws.close();
  });

  it('charges one token for a request without lists: a small user is never near the bound', async () => {
    const s = await loggedIn('small');
    const { answers } = await burst(s, 'getGroupList', () => ({}), 50);
    expect(answers.every((a) => a.code === 0)).toBe(true);
    s.ws.close();
  });
});

describe('NUL in strings', () => {
  it('answers 8001 naming the parameter, on this store, and stores nothing', async () => {
    const s = await loggedIn('nul-sender');
    await h.server.userSig('nul-peer');
    const cases: Array<[string, object, string]> = [
      ['createGroup', { name: 'a\u0000b' }, 'name'],
      ['sendMessage', { conversationID: 'C2Cnul-peer', payload: { data: 'x\u0000y' } }, 'payload'],
      ['invite', { userID: 'nul-peer', data: '{"a":"\u0000"}' }, 'data'],
    ];
    for (const [op, params, reason] of cases) {
      const res = await s.request(op, params);
      expect(res, op).toMatchObject({ code: 8001, reason });
      expect(res.message).toContain('NUL');
    }
    expect((await s.request('getGroupList', {})).data.groupList).toEqual([]);
    // The server keeps serving the same socket.
    expect((await s.request('createGroup', { name: 'clean' })).code).toBe(0);
    s.ws.close();
  });
});
