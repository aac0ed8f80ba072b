/**
 * Byte budgets count UTF-8 bytes, not JavaScript string length: text that fits a budget by
 * characters but not by bytes is refused (issue 8 item 5). 'é' is one character and two
 * bytes, so 4,000 of them are 8,000 bytes of `data` (under the 8,192-byte cap) and take
 * twice the budget that the same number of ASCII characters would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSocket, startHarness, type Harness } from './harness.ts';

const TEXT = 'é'.repeat(4000);

describe('byte budgets count UTF-8 bytes', () => {
  let h: Harness;
  let s: Awaited<ReturnType<typeof rawSocket>>;
  const ask = async (op: string, params: object) => {
    const a = await s.request(op, params);
    return a.code === 0 ? 'ok' : `${a.code}:${a.reason}`;
  };

  beforeAll(async () => {
    // Each message stores its text about three times (payload and two frames): ~24,400
    // bytes, ~12,200 characters. 60,000 holds two by bytes, four by characters.
    // The read budget: 30,000 bytes, no refill to speak of; a page of two messages is
    // ~16,400 bytes (~8,400 characters), and a read is charged what the last one returned
    // before it runs: one read by bytes, three by characters.
    h = await startHarness({ limits: { storedBytesPerDay: 60_000, messageRate: { perSecond: 100, burst: 100 }, readBytes: { perSecond: 0.001, burst: 30_000 } } });
    await h.server.userSig('bb-peer');
    s = await rawSocket(h.server.url);
    s.ws.send(JSON.stringify({ type: 'login', id: 'l', userID: 'bb-sender', userSig: await h.server.userSig('bb-sender', 600) }));
    await s.next((f) => f.type === 'synced', 20_000);
  });
  afterAll(async () => {
    s.ws.close();
    await h.close();
  });

  it('multi-byte messages: stored_bytes refuses the third 8,000-byte (4,000-character) message', async () => {
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push(await ask('sendMessage', { conversationID: 'C2Cbb-peer', payload: { data: TEXT } }));
    expect(results).toEqual(['ok', 'ok', '8040:stored_bytes']);
  });

  it('multi-byte reads: read_bytes refuses the second read of the two messages', async () => {
    const results: string[] = [];
    for (let i = 0; i < 2; i++) results.push(await ask('getMessageList', { conversationID: 'C2Cbb-peer', count: 100 }));
    expect(results).toEqual(['ok', '8040:read_bytes']);
  });
});
