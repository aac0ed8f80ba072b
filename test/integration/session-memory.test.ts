/**
 * What a live session keeps in the server's memory: not its login frame (the userSig is a
 * bearer secret) and not its catch-up (the pending invitations announced at login, up to
 * 100 × 8 KiB). The kick timer for the token's expiry once kept #login's whole scope for
 * the session's life, both included. The server runs in its own process; a V8 heap
 * snapshot of it (taken after a full GC) is searched for the secret and for a marker in
 * the announced invitation's data.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSigs } from '../../src/server/auth/usersig.ts';
import { testBackend } from '../support/backends.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { launchServerProcess, stopServerProcess } from '../support/server-process.ts';
import { connectClient } from './harness.ts';

const sqliteOnly = testBackend() === 'sqlite' ? describe : describe.skip;
if (testBackend() !== 'sqlite') console.log('session-memory: skipped on PostgreSQL (runs once, on the SQLite project: it inspects the server process, not the store)');

sqliteOnly('a live session keeps neither its userSig nor its catch-up in memory', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  const secret = randomBytes(24).toString('hex');
  const sigs = new UserSigs(secret);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringlet-session-memory-'));
    const port = await freePort();
    child = await launchServerProcess({ port, storage: join(dir, 'ringlet.sqlite'), env: { RINGLET_SECRET: secret }, ipc: true });
    url = `ws://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await stopServerProcess(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a login that announced a pending invitation, the heap holds neither the userSig nor the invitation data', async () => {
    const marker = `marker-${randomBytes(12).toString('hex')}`;
    const caller = await connectClient(url, 'mem-caller', await sigs.sign('mem-caller', 3600));
    // The callee must exist to be invited: a first login registers it.
    const first = await login(url, 'mem-callee', await sigs.sign('mem-callee', 3600));
    first.ws.close();
    await caller.chat.invite({ userID: 'mem-callee', data: JSON.stringify({ note: marker, pad: 'x'.repeat(4000) }), timeout: 600 });

    const userSig = await sigs.sign('mem-callee', 3600);
    const live = await login(url, 'mem-callee', userSig);
    // The catch-up did announce it: the marker went through the server on this login.
    expect(live.frames.some((f) => f.includes(marker))).toBe(true);

    const file = join(dir, 'server.heapsnapshot');
    const written = new Promise<void>((resolve) => child.on('message', (m: { heapSnapshot?: string }) => m?.heapSnapshot === file && resolve()));
    child.send({ heapSnapshot: file });
    await written;
    const { strings } = JSON.parse(readFileSync(file, 'utf8')) as { strings: string[] };
    // The snapshot has the session's own strings (a check that it is the right process).
    expect(strings.some((s) => s === 'mem-callee')).toBe(true);
    expect(strings.filter((s) => s.includes(userSig))).toEqual([]);
    expect(strings.filter((s) => s.includes(marker)).map((s) => s.slice(0, 80))).toEqual([]);

    live.ws.close();
    await caller.chat.destroy();
  }, 60_000);
});

/** A raw login that waits for `synced`; the frames it got until then. */
async function login(url: string, userID: string, userSig: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const synced = new Promise<void>((resolve) => ws.on('message', (m: Buffer) => {
    const text = m.toString();
    frames.push(text);
    if (text.includes('"type":"synced"')) resolve();
  }));
  ws.send(JSON.stringify({ type: 'login', id: 'l', userID, userSig }));
  await synced;
  return { ws, frames };
}
