/**
 * The SDK reads every server frame through protocol/codec.ts: a frame it cannot read is a
 * clear error (EVENT.ERROR, or the rejection of the request it answers), never an
 * exception out of the socket's handler. The real server never sends such frames, so a
 * scripted server on a real socket does: it logs the client in, then says what the test asks.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createChat, EVENT, TSignaling, type Chat } from '../../src/sdk/index.ts';

interface Scripted {
  url: string;
  /** The logged-in client's socket. */
  client: Promise<WebSocket>;
  /** Request frames the client sent. */
  requests: Array<{ id: string; op: string }>;
  close(): Promise<void>;
}

async function scriptedServer(): Promise<Scripted> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const requests: Scripted['requests'] = [];
  const client = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as { type: string; id: string; userID: string; op: string };
        if (f.type === 'login') {
          ws.send(JSON.stringify({ type: 'res', id: f.id, code: 0, data: { userID: f.userID, seq: 0, serverTime: Date.now(), resumed: false, expiresIn: 3600 } }));
          ws.send(JSON.stringify({ type: 'groups', groupList: [] }));
          ws.send(JSON.stringify({ type: 'synced', seq: 0 }));
          resolve(ws);
        } else if (f.type === 'req') {
          requests.push({ id: f.id, op: f.op });
        }
      });
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    client,
    requests,
    close: () => new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    }),
  };
}

const until = async (cond: () => boolean, what: string) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function loggedIn(): Promise<{ server: Scripted; chat: Chat; ws: WebSocket; errors: unknown[] }> {
  const server = await scriptedServer();
  const chat = createChat({ server: server.url });
  cleanup.push(() => chat.destroy(), () => server.close());
  const errors: unknown[] = [];
  chat.on(EVENT.ERROR, ({ data }) => errors.push(data));
  await chat.login({ userID: 'alice', userSig: 'sig' });
  return { server, chat, ws: await server.client, errors };
}

describe('the SDK reading server frames', () => {
  it('reports a group list it cannot read as EVENT.ERROR and goes on with the next frame', async () => {
    const { chat, ws, errors } = await loggedIn();
    const invited: string[] = [];
    chat.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, ({ data }) => invited.push(data.inviteID));
    ws.send(JSON.stringify({ type: 'groups', groupList: null }));
    ws.send(JSON.stringify({ type: 'push', seq: 1, signal: { name: 'newInvitationReceived', data: { inviteID: 'i1', inviter: 'bob', groupID: '', inviteeList: ['alice'], data: '', timeout: 30, remaining: 30 } } }));
    await until(() => invited.length === 1, 'the invitation after the bad frame');
    expect(errors).toEqual([expect.objectContaining({ code: 2802, reason: 'bad_frame' })]);
    expect(invited).toEqual(['i1']);
  });

  it('reports a signaling event without its data as EVENT.ERROR instead of throwing', async () => {
    const { ws, errors } = await loggedIn();
    ws.send(JSON.stringify({ type: 'push', seq: 1, signal: { name: 'newInvitationReceived', data: null } }));
    ws.send('{"type":"push","seq":2,"message":{"ID":"1","payload":null}}');
    ws.send('not json');
    await until(() => errors.length === 3, 'three errors');
    expect(errors.map((e) => (e as { reason: string }).reason)).toEqual(['bad_frame', 'bad_frame', 'bad_frame']);
  });

  it('hands a member removal to GROUP_MEMBERS_REMOVED, and reports a malformed one as EVENT.ERROR', async () => {
    const { chat, ws, errors } = await loggedIn();
    const removals: unknown[] = [];
    chat.on(EVENT.GROUP_MEMBERS_REMOVED, ({ data }) => removals.push(data));
    ws.send(JSON.stringify({ type: 'groupMembersRemoved', groupID: 'g1', userIDList: ['bob', 7] }));
    ws.send(JSON.stringify({ type: 'groupMembersRemoved', groupID: 'g1', userIDList: ['bob'] }));
    await until(() => removals.length === 1, 'the removal after the bad frame');
    expect(removals).toEqual([{ groupID: 'g1', userIDList: ['bob'] }]);
    expect(errors).toEqual([expect.objectContaining({ code: 2802, reason: 'bad_frame' })]);
  });

  it('fails a request at once when its answer cannot be read, with 2802 bad_frame', async () => {
    const { server, chat, ws } = await loggedIn();
    const asked = chat.getGroupList();
    await until(() => server.requests.length === 1, 'the request');
    ws.send(JSON.stringify({ type: 'res', id: server.requests[0]!.id, code: 'x' }));
    await expect(asked).rejects.toMatchObject({ code: 2802, reason: 'bad_frame' });
  });

  it('ignores a frame of a type it does not know (a newer server may send more)', async () => {
    const { server, chat, ws, errors } = await loggedIn();
    const asked = chat.getGroupList();
    ws.send(JSON.stringify({ type: 'somethingNew', x: 1 }));
    await until(() => server.requests.length === 1, 'the request');
    ws.send(JSON.stringify({ type: 'res', id: server.requests[0]!.id, code: 0, data: { groupList: [] } }));
    expect((await asked).data.groupList).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('is destroyed without an exception while its socket is still connecting', async () => {
    // A server that accepts the TCP connection and never answers the WebSocket handshake.
    const held: Socket[] = [];
    const tcp = createServer((s) => void held.push(s));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => {
      for (const s of held) s.destroy();
      tcp.close(() => r());
    }));
    const chat = createChat({ server: `ws://127.0.0.1:${(tcp.address() as AddressInfo).port}` });
    const login = chat.login({ userID: 'alice', userSig: 'sig' }).catch((e: unknown) => e);
    await until(() => held.length === 1, 'the connection attempt');
    await chat.destroy();
    expect(await login).toMatchObject({ code: 2024 });
    // The socket's 'error' for the aborted handshake comes on the next tick: with no listener left it was thrown.
    await new Promise((r) => setImmediate(r));
  });
});
