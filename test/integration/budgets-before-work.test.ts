/**
 * Budgets are charged before the work (issue 8 item 5): a message to a group is charged the
 * group's last fan-out (one message_rate token per 20 recipients) before it runs, so a
 * flooder cannot start a big-group write on the last token and pay afterwards; a refused
 * request stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSocket, startHarness, type Harness } from './harness.ts';

describe('budgets charged before the work', () => {
  let h: Harness;
  let s: Awaited<ReturnType<typeof rawSocket>>;
  const ask = (op: string, params: object) => s.request(op, params);

  beforeAll(async () => {
    // 8 tokens, next to no refill; a message to the 100-member group costs 5.
    h = await startHarness({ groupConsent: false, limits: { messageRate: { perSecond: 0.001, burst: 8 } } });
    const members = Array.from({ length: 99 }, (_, i) => `bw-m${i}`);
    for (const m of members) await h.server.userSig(m);
    s = await rawSocket(h.server.url);
    s.ws.send(JSON.stringify({ type: 'login', id: 'l', userID: 'bw-owner', userSig: await h.server.userSig('bw-owner', 600) }));
    await s.next((f) => f.type === 'synced', 20_000);
    expect((await ask('createGroup', { groupID: 'bw', name: 'bw', memberList: members })).code).toBe(0);
  });
  afterAll(async () => {
    s.ws.close();
    await h.close();
  });

  it('big-group message flood: the second message to a 100-member group is refused 8040 message_rate before it runs (3 tokens left, 5 needed), and is not stored', async () => {
    const first = await ask('sendMessage', { conversationID: 'GROUPbw', payload: { data: 'one' } });
    const second = await ask('sendMessage', { conversationID: 'GROUPbw', payload: { data: 'two' } });
    expect(first.code).toBe(0);
    expect([second.code, second.reason]).toEqual([8040, 'message_rate']);
    const list = await ask('getMessageList', { conversationID: 'GROUPbw', count: 100 });
    expect(list.data.messageList.map((m: any) => m.payload.data)).toEqual(['one']);
  });
});
