import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSignaling } from '../../src/sdk/index.ts';
import { rawSocket, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function loggedInSocket(userID: string) {
  const s = await rawSocket(h.server.url);
  s.ws.send(JSON.stringify({ type: 'login', id: 'l1', userID, userSig: await h.server.userSig(userID, 600) }));
  await s.next((f) => f.type === 'synced');
  return s;
}

describe('the gateway under hostile input', () => {
  it('closes a connection that sends something other than JSON with 4400', async () => {
    const s = await rawSocket(h.server.url);
    s.ws.send('not json {');
    expect((await s.closed).code).toBe(4400);
  });

  it('closes a connection that sends a binary frame with 4400', async () => {
    const s = await rawSocket(h.server.url);
    s.ws.send(Buffer.from([1, 2, 3]));
    expect((await s.closed).code).toBe(4400);
  });

  it('answers a request before login with 2024 not_logged_in and keeps the connection', async () => {
    const s = await rawSocket(h.server.url);
    s.ws.send(JSON.stringify({ type: 'req', id: 'r1', op: 'invite', params: { userID: 'bob' } }));
    const res = await s.next((f) => f.id === 'r1');
    expect([res.code, res.reason]).toEqual([2024, 'not_logged_in']);
    s.ws.close();
  });

  it('refuses a forged userSig with 70001 and closes with 4401', async () => {
    const s = await rawSocket(h.server.url);
    const real = await h.server.userSig('bob', 600);
    const [head, , sig] = real.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ iss: 'ringlet', sub: 'alice', iat: 1, exp: 4102444800 })).toString('base64url');
    s.ws.send(JSON.stringify({ type: 'login', id: 'l1', userID: 'alice', userSig: `${head}.${forgedBody}.${sig}` }));
    const res = await s.next((f) => f.id === 'l1');
    expect([res.code, res.reason]).toEqual([70001, 'bad_user_sig']);
    expect((await s.closed).code).toBe(4401);
  });

  it('answers malformed requests with 8001 naming the parameter, and the server keeps serving', async () => {
    const s = await loggedInSocket('mallory');
    const bad: Array<[unknown, string]> = [
      [{ type: 'req', id: 'b1', op: 'invite', params: { userID: ['x'] } }, 'userID'],
      [{ type: 'req', id: 'b2', op: 'invite', params: 'string' }, 'params'],
      [{ type: 'req', id: 'b3', op: 'constructor', params: {} }, 'op'],
      [{ type: 'req', id: 'b4', op: 'accept', params: { inviteID: 'x'.repeat(500) } }, 'inviteID'],
      [{ type: 'req', id: 'b5', op: 'invite', params: { userID: 'bob', data: 1 } }, 'data'],
      [{ type: 'req', id: 'b6', op: 'createGroup', params: { name: 'g', memberList: [{ userID: 'x' }] } }, 'memberList'],
    ];
    for (const [frame] of bad) s.ws.send(JSON.stringify(frame));
    // An own "__proto__" key (as JSON.parse makes it) is an unknown parameter, not a prototype.
    s.ws.send('{"type":"req","id":"b7","op":"invite","params":{"userID":"bob","__proto__":{"polluted":true}}}');
    bad.push([{ id: 'b7' }, '__proto__']);
    for (const [frame, reason] of bad) {
      const id = (frame as { id: string }).id;
      const res = await s.next((f) => f.id === id);
      expect([id, res.code, res.reason]).toEqual([id, 8001, reason]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still alive and serving.
    s.ws.send(JSON.stringify({ type: 'req', id: 'ok', op: 'getGroupList', params: {} }));
    expect((await s.next((f) => f.id === 'ok')).code).toBe(0);
    s.ws.close();
  });

  it('cuts off a client that floods frames (4429) without affecting others', async () => {
    const s = await loggedInSocket('flooder');
    const other = await h.client('bystander');
    for (let i = 0; i < 2000 && s.ws.readyState === s.ws.OPEN; i++) s.ws.send('{"type":"ping"}');
    expect((await s.closed).code).toBe(4429);
    expect((await other.chat.getGroupList()).code).toBe(0);
  });

  it('drops frames larger than the limit without harming the server', async () => {
    const s = await loggedInSocket('big');
    s.ws.send(JSON.stringify({ type: 'req', id: 'big', op: 'invite', params: { userID: 'bob', data: 'x'.repeat(200_000) } }));
    expect((await s.closed).code).toBe(1009);
    const res = await fetch(`${h.server.httpUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('retried requests', () => {
  it('applies a request id once: the retry gets the first answer and nobody hears it twice', async () => {
    const bob = await h.client('bob');
    const s = await loggedInSocket('alice');
    const frame = JSON.stringify({ type: 'req', id: 'retry-1', op: 'invite', params: { userID: 'bob', timeout: 0 } });
    s.ws.send(frame);
    const first = await s.next((f) => f.id === 'retry-1');
    s.frames.length = 0;
    s.ws.send(frame);
    const second = await s.next((f) => f.id === 'retry-1');
    expect(second).toEqual(first);
    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === first.data.inviteID);
    await bob.barrier((await h.client('barrier')).chat);
    expect(bob.count(TSignaling.NEW_INVITATION_RECEIVED, first.data.inviteID)).toBe(1);
    const pending = await bob.chat.getPendingInvitations();
    expect(pending.data.invitationList.filter((i) => i.inviter === 'alice')).toHaveLength(1);
    s.ws.close();
  });
});
