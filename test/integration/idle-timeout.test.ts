/**
 * Issue 17, attack 9 (idle timeout): a silent session was removed after 118 s where the
 * docs said 75 s: the sweep ran every 15 s, and the close handshake then waited 30 s for a
 * peer that answers nothing. Now an idle session is cut at once, within the idle timeout
 * plus the sweep interval; asserted on a server with short settings (a silent peer that
 * does not answer the close frame either), and the defaults against what SECURITY.md says.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_SWEEP_MS, IDLE_TIMEOUT_MS } from '../../src/server/index.ts';
import { post } from './http-client.ts';
import { startHarness, type Harness } from './harness.ts';

const IDLE = 600;
const SWEEP = 100;
/** ws's own wait for a close handshake: what a silent session used to be kept for. */
const CLOSE_HANDSHAKE_WAIT = 30_000;
/** The server clock follows the wall clock unless a test pins it (the pinging test does). */
let pinned: number | null = null;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ idleTimeoutMs: IDLE, idleSweepMs: SWEEP, clock: () => pinned ?? Date.now() });
});
afterAll(() => h.close());

async function sessions(): Promise<number> {
  const res = await post(h.server.httpUrl, '/healthz', undefined, { method: 'GET' });
  return res.body.sessions;
}

describe('the idle timeout', () => {
  it('cuts a silent session (one that does not even answer the close frame) within idle timeout + sweep', async () => {
    const ws = new WebSocket(h.server.url);
    await new Promise((r) => ws.once('open', r));
    const userSig = await h.server.userSig('silent', 600);
    // The login is the last frame the server hears: idle time counts from at most here.
    const lastFrame = performance.now();
    ws.send(JSON.stringify({ type: 'login', id: 'l1', userID: 'silent', userSig }));
    await new Promise<void>((resolve) => ws.on('message', (m) => JSON.parse(m.toString()).type === 'synced' && resolve()));
    // From here on the peer reads nothing and answers nothing, as a vanished host does.
    (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    expect(await sessions()).toBe(1);
    while ((await sessions()) > 0) {
      // Cut by the sweep, not after the close handshake's wait. Within IDLE + SWEEP on an idle
      // machine; the bound here only separates the two (a loaded machine delays the sweep's
      // timer and this polling, so IDLE + SWEEP itself is not asserted).
      expect(performance.now() - lastFrame).toBeLessThan(CLOSE_HANDSHAKE_WAIT / 2);
      await new Promise((r) => setTimeout(r, 25));
    }
    // Never before the idle timeout (the guarantee that does not depend on speed).
    expect(performance.now() - lastFrame).toBeGreaterThanOrEqual(IDLE);
    ws.terminate();
  });

  it('keeps a session that pings', async () => {
    // The server clock is pinned and moved by the test, IDLE / 3 before each ping: how late this
    // machine runs timers then changes nothing the server sees. A session that logged in at
    // the same moment and stays silent is the control: once a sweep has cut it, the same
    // sweep saw the pinger, heard at most IDLE / 3 before.
    const sigs = [await h.server.userSig('pinger2', 600), await h.server.userSig('silent2', 600)];
    pinned = Date.now();
    try {
      const [pinger, control] = await Promise.all([loggedIn('pinger2', sigs[0]!), loggedIn('silent2', sigs[1]!)]);
      const controlCut = new Promise<void>((r) => control.ws.once('close', () => r()));
      // Past the idle timeout since both logged in, the pinger heard from at every step.
      for (let moved = 0; moved <= IDLE; moved += IDLE / 3) {
        pinned += IDLE / 3;
        expect(await pinger.ping()).toBe('pong');
      }
      await controlCut; // the next sweep cuts the control: so it would the pinger, without its pings
      expect(await pinger.ping()).toBe('pong');
      expect(pinger.ws.readyState).toBe(WebSocket.OPEN);
      pinger.ws.terminate();
    } finally {
      pinned = null;
    }
  });

  it('states the default bound in SECURITY.md: 75 s, cut 75 to 80 s after the last frame', () => {
    expect([IDLE_TIMEOUT_MS, IDLE_SWEEP_MS]).toEqual([75_000, 5_000]);
    const doc = readFileSync(new URL('../../docs/SECURITY.md', import.meta.url), 'utf8');
    const row = doc.split('\n').find((l) => l.startsWith('| idle session'));
    expect(row).toContain(`${IDLE_TIMEOUT_MS / 1000} s without a frame`);
    expect(row).toContain(`${IDLE_TIMEOUT_MS / 1000} to ${(IDLE_TIMEOUT_MS + IDLE_SWEEP_MS) / 1000} s after the last frame`);
  });
});

/** A raw socket logged in as `userID`, whose ping() answers 'pong', or 'closed' if the server cut it. */
async function loggedIn(userID: string, userSig: string): Promise<{ ws: WebSocket; ping(): Promise<'pong' | 'closed'> }> {
  const ws = new WebSocket(h.server.url);
  const closed = new Promise<'closed'>((r) => ws.once('close', () => r('closed')));
  await new Promise((r) => ws.once('open', r));
  const synced = new Promise<void>((resolve) => ws.on('message', (m) => JSON.parse(m.toString()).type === 'synced' && resolve()));
  ws.send(JSON.stringify({ type: 'login', id: 'l1', userID, userSig }));
  await synced;
  return {
    ws,
    ping() {
      const pong = new Promise<'pong'>((resolve) => {
        const onMessage = (m: WebSocket.RawData) => {
          if (JSON.parse(m.toString()).type !== 'pong') return;
          ws.off('message', onMessage);
          resolve('pong');
        };
        ws.on('message', onMessage);
      });
      ws.send(JSON.stringify({ type: 'ping' }));
      return Promise.race([pong, closed]);
    },
  };
}
