/**
 * Issue 8 item 7's footing: the sender of a message is the server's, never the client's.
 * A call window's room admits participants by the server-stamped `from`; this checks that
 * no client can choose it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('the sender of a message', () => {
  it('is stamped by the server with the authenticated user; a client-supplied sender is refused', async () => {
    const bob = await loggedIn('bob');
    const mallory = await loggedIn('mallory');
    const payload = { data: JSON.stringify({ businessID: 'ringlet.rtc', from: 'alice' }) };
    // A `from` among the parameters is not a parameter: refused, nothing sent.
    mallory.ws.send(JSON.stringify({ type: 'req', id: 'r1', op: 'sendMessage', params: { conversationID: 'C2Cbob', payload, from: 'alice' } }));
    const refused = await mallory.next((f) => f.id === 'r1');
    expect(refused.code).toBe(8001);
    // Sent properly, it reaches bob as mallory's, whatever its payload claims.
    mallory.ws.send(JSON.stringify({ type: 'req', id: 'r2', op: 'sendMessage', params: { conversationID: 'C2Cbob', payload, onlineUserOnly: true } }));
    expect((await mallory.next((f) => f.id === 'r2')).code).toBe(0);
    const got = await bob.next((f) => f.type === 'push' && f.message);
    expect(got.message.from).toBe('mallory');
    expect(bob.frames.filter((f) => f.type === 'push' && f.message)).toHaveLength(1); // the refused one never arrived first
    bob.ws.close();
    mallory.ws.close();
  });
});
