/**
 * Issue 17, attack 9 (descriptors): from many addresses, sockets that never log in used to
 * take every descriptor of the server (20,000/20,000 from 314 addresses) and real users'
 * connects failed. The server here runs in its own process with an open-file limit of 1024;
 * 20 addresses open 64 waiting sockets each (1,280, past the limit), and a real user still
 * connects and logs in, because waiting sockets get at most a quarter of the limit (256)
 * and a newcomer from a quiet address takes the place of the busiest address's oldest one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSigs } from '../../src/server/auth/usersig.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { launchServerProcess, stopServerProcess } from '../support/server-process.ts';

const SECRET = randomBytes(32).toString('hex');
const LIMIT = 1024;
let dir: string;
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringlet-fds-'));
  const port = await freePort();
  child = await launchServerProcess({ port, storage: join(dir, 'db.sqlite'), env: { RINGLET_SECRET: SECRET }, maxFiles: LIMIT });
  url = `ws://127.0.0.1:${port}`;
}, 30_000);
afterAll(async () => {
  await stopServerProcess(child);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a socket from `localAddress` and keeps it, never logging in; resolves once it is open or refused. */
function waitingSocket(localAddress: string, held: WebSocket[]): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress });
    held.push(ws);
    ws.on('open', () => resolve('open'));
    ws.on('unexpected-response', (req) => {
      req.destroy();
      resolve('refused');
    });
    ws.on('error', () => resolve('refused'));
  });
}

/** Connects from `localAddress` and logs in; the login reply's code. */
async function logIn(localAddress: string, userID: string): Promise<number> {
  const sig = await new UserSigs(SECRET).sign(userID, 600);
  const ws = new WebSocket(url, { localAddress });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'login', id: 'l1', userID, userSig: sig }));
    const reply = await new Promise<any>((resolve, reject) => {
      ws.on('message', (m) => {
        const f = JSON.parse(m.toString());
        if (f.type === 'res' && f.id === 'l1') resolve(f);
      });
      ws.once('close', (code) => reject(new Error(`closed ${code}`)));
    });
    return reply.code;
  } finally {
    ws.terminate();
  }
}

describe('descriptors under a flood of sockets that never log in', () => {
  it('keeps waiting sockets within a quarter of the open-file limit, and a real user connects and logs in', async () => {
    const held: WebSocket[] = [];
    try {
      // A user who was online before the flood.
      expect(await logIn('127.0.0.200', 'before')).toBe(0);
      const flood = await Promise.all(
        Array.from({ length: 20 }, (_, a) => Array.from({ length: 64 }, () => waitingSocket(`127.0.3.${a + 1}`, held))).flat(),
      );
      const open = flood.filter((r) => r === 'open').length;
      // At most a quarter of the limit waits at once (some opened were cut for later ones;
      // their closes may still be on the way to this client).
      const stillOpen = () => held.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      const deadline = performance.now() + 20_000; // a bound on a loaded machine, not a speed
      while (stillOpen() > LIMIT / 4 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stillOpen()).toBeLessThanOrEqual(LIMIT / 4);
      expect(open).toBeGreaterThan(0);
      // While the flood holds its places, real users from quiet addresses connect and log in.
      for (const [i, address] of ['127.0.0.201', '127.0.0.202', '127.0.0.203'].entries()) {
        expect(await logIn(address, `real-${i}`)).toBe(0);
      }
    } finally {
      for (const ws of held) ws.terminate();
    }
  }, 60_000);
});
