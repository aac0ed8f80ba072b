/**
 * The admin command (`npm run admin`, src/server/cli/admin.ts) against a running server on
 * the suite's store (SQLite, and PostgreSQL in the integration-postgres project): accounts
 * added, listed, disabled (sign-in refused, live sessions kicked), enabled, passwords reset
 * (tokens revoked), deleted (groups handed over, history kept, ID never reused); who is
 * online; every change in admin_log and in the server's log.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { EVENT } from '../../src/sdk/index.ts';
import { runAdmin } from '../support/admin-cli.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { connectClient, type Client } from './harness.ts';

let db: TestStorage;
let server: RingletServer;
let socket: string;
const logLines: string[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  db = await testStorage('admin');
  socket = join(db.dir, 'admin.sock');
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
  server = await startServer({ port: 0, ...db.serverOptions, adminSocket: socket, adminPollMs: 100, logger: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.chat.destroy()));
  await server?.close();
  await db?.cleanup();
});

/** Runs the admin command on the suite's store, with `input` on stdin. */
const admin = (args: string[], input = '') => runAdmin([...args, '--store', db.storage, '--data', db.dir, '--admin-socket', socket], input);

const login = (userID: string, password: string) =>
  fetch(`${server.httpUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userID, password }) })
    .then(async (r) => ({ status: r.status, body: (await r.json()) as { code: number; data?: { userSig: string } } }));

async function signIn(userID: string, password: string): Promise<{ client: Client; sig: string }> {
  const r = await login(userID, password);
  expect(r.status).toBe(200);
  const sig = r.body.data!.userSig;
  const client = await connectClient(server.url, userID, sig);
  clients.push(client);
  return { client, sig };
}

const kickedOut = (c: Client) => new Promise<{ type: string }>((r) => c.chat.on(EVENT.KICKED_OUT, (e: any) => r(e.data)));

async function until(cond: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Each `tsx` command started here compiles its TypeScript first: seconds each on a loaded
// 2-core machine, several per test. The timeout is a hang guard, not a speed bound.
describe('npm run admin -- users …', { timeout: 120_000 }, () => {
  it('adds users (a password from stdin, or a generated one printed), refuses an existing ID, lists them', async () => {
    const ann = await admin(['users', 'add', 'ann']);
    // Without --password-stdin the password is generated and printed on stdout.
    expect(ann.status).toBe(0);
    const generated = /^password: (\S+)$/m.exec(ann.stdout)?.[1];
    expect(generated).toBeTruthy();
    await signIn('ann', generated!);
    const ben = await admin(['users', 'add', 'ben', '--password-stdin'], 'ben-password-1\n');
    expect(ben).toMatchObject({ status: 0, stdout: '' });
    await signIn('ben', 'ben-password-1');
    expect(await admin(['users', 'add', 'ben', '--password-stdin'], 'other-password\n')).toMatchObject({ status: 1, stderr: expect.stringMatching(/ben already exists/) });
    expect(await admin(['users', 'add', 'bad id'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/userID/) });
    expect(await admin(['users', 'add', 'cy', '--password-stdin'], 'short\n')).toMatchObject({ status: 1, stderr: expect.stringMatching(/password: at least/) });
    const list = await admin(['users', 'list', '--json']);
    const users = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(users.map((u) => u.userID)).toEqual(['ann', 'ben']);
    expect(users[0]).toMatchObject({ hasPassword: true, disabledAt: null, deletedAt: null });
  });

  it('says who is online, on every node the bus knows', async () => {
    const r = await admin(['online', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['ann', 'ben']);
  });

  it('disable: live sessions kicked, password and token sign-in refused, no token minted; enable lets a new sign-in in', async () => {
    await admin(['users', 'add', 'dan', '--password-stdin'], 'dan-password-1\n');
    const { client, sig } = await signIn('dan', 'dan-password-1');
    const second = await signIn('dan', 'dan-password-1');
    const kicked = [kickedOut(client), kickedOut(second.client)];
    const r = await admin(['users', 'disable', 'dan']);
    expect(r.status).toBe(0);
    expect(await Promise.all(kicked)).toEqual([expect.objectContaining({ type: 'userSigExpired' }), expect.objectContaining({ type: 'userSigExpired' })]);
    // The same answer as a wrong password (no telling which accounts exist or are disabled).
    expect(await login('dan', 'dan-password-1')).toMatchObject({ status: 401, body: { code: 70003 } });
    await expect(connectClient(server.url, 'dan', sig)).rejects.toMatchObject({ code: 70001 });
    await expect(server.userSig('dan')).rejects.toMatchObject({ code: 70001, reason: 'account_disabled' });
    const usersig = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli/usersig.ts', 'dan', '600', '--store', db.storage, '--data', db.dir], { encoding: 'utf8' });
    expect(usersig).toMatchObject({ status: 1, stdout: '', stderr: expect.stringMatching(/user dan is disabled: no UserSig/) });
    expect(await admin(['users', 'disable', 'dan'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/already disabled/) });
    expect((await admin(['online', '--json'])).stdout).not.toMatch(/dan/);

    expect((await admin(['users', 'enable', 'dan'])).status).toBe(0);
    // Tokens from before the disable stay revoked; a new sign-in works.
    await expect(connectClient(server.url, 'dan', sig)).rejects.toMatchObject({ code: 70001 });
    const back = await signIn('dan', 'dan-password-1');
    expect((await back.client.chat.getGroupList()).code).toBe(0);
  });

  it('reset-password: the new password works, the old one and every earlier token do not', async () => {
    await admin(['users', 'add', 'eve', '--password-stdin'], 'eve-password-1\n');
    const { client, sig } = await signIn('eve', 'eve-password-1');
    const kicked = kickedOut(client);
    const r = await admin(['users', 'reset-password', 'eve']);
    expect(r.status).toBe(0);
    const fresh = /^password: (\S+)$/m.exec(r.stdout)?.[1];
    expect(await kicked).toMatchObject({ type: 'userSigExpired' });
    expect(await login('eve', 'eve-password-1')).toMatchObject({ status: 401 });
    await expect(connectClient(server.url, 'eve', sig)).rejects.toMatchObject({ code: 70001 });
    await signIn('eve', fresh!);
    expect((await admin(['users', 'reset-password', 'nobody'])).stderr).toMatch(/no user nobody/);
  });

  it('delete: sessions kicked, groups handed over or dismissed, messages kept in the others\' history, the ID never reused', async () => {
    await admin(['users', 'add', 'fay', '--password-stdin'], 'fay-password-1\n');
    await admin(['users', 'add', 'gus', '--password-stdin'], 'gus-password-1\n');
    const fay = await signIn('fay', 'fay-password-1');
    const gus = await signIn('gus', 'gus-password-1');
    await gus.client.chat.addContact({ userID: 'fay' }); // gus consents to being added by fay (group consent)
    await fay.client.chat.createGroup({ name: 'shared', groupID: 'fay-shared', memberList: ['gus'] });
    await fay.client.chat.createGroup({ name: 'alone', groupID: 'fay-alone' });
    await fay.client.chat.sendMessage(fay.client.chat.createCustomMessage({ to: 'gus', conversationType: 'C2C', payload: { data: 'hello gus' } }));
    const kicked = kickedOut(fay.client);
    expect((await admin(['users', 'delete', 'fay'])).stderr).toMatch(/--yes/);
    expect((await admin(['users', 'delete', 'fay', '--yes'])).status).toBe(0);
    expect(await kicked).toMatchObject({ type: 'userSigExpired' });
    const shared = await gus.client.chat.getGroupProfile({ groupID: 'fay-shared' });
    expect(shared.data.group.ownerID).toBe('gus');
    expect((await gus.client.chat.getGroupMemberList({ groupID: 'fay-shared' })).data.memberList.map((m: { userID: string }) => m.userID)).toEqual(['gus']);
    const history = await gus.client.chat.getMessageList({ conversationID: 'C2Cfay' });
    expect(history.data.messageList.map((m: any) => m.payload.data)).toEqual(['hello gus']);
    // The tombstone: no sign-in, no registration of the same ID, no enable.
    expect(await login('fay', 'fay-password-1')).toMatchObject({ status: 401 });
    const reg = await fetch(`${server.httpUrl}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userID: 'fay', password: 'fay-password-2' }) });
    expect(reg.status).toBe(409);
    expect((await admin(['users', 'enable', 'fay'])).stderr).toMatch(/fay was deleted/);
    const list = (await admin(['users', 'list'])).stdout;
    expect(list).toMatch(/^fay\s.*\sno\s+deleted /m);
  });

  it('records every change in admin_log and the server\'s log', async () => {
    const log = await admin(['log', '--json']);
    expect(log.status).toBe(0);
    const rows = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; userID: string; actor: string });
    expect(rows.map((r) => `${r.action} ${r.userID}`)).toEqual([
      'add ann', 'add ben', 'add dan', 'disable dan', 'enable dan', 'add eve', 'reset-password eve', 'add fay', 'add gus', 'delete fay',
    ]);
    expect(rows.every((r) => /@/.test(r.actor))).toBe(true);
    // Each node writes what it applied to its own log (the server's pino log).
    await until(async () => logLines.some((l) => /"msg":"admin: delete fay"/.test(l)), 'the server to log the delete');
    for (const r of rows) expect(logLines.some((l) => l.includes(`"msg":"admin: ${r.action} ${r.userID}"`))).toBe(true);
  });

  it('a node started later applies only the changes made after it started', async () => {
    expect((await admin(['users', 'add', 'yan'])).status).toBe(0);
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
    const later = await startServer({ port: 0, ...db.serverOptions, adminPollMs: 100, logger: pino({ level: 'info' }, sink) });
    try {
      expect((await admin(['users', 'add', 'zed'])).status).toBe(0);
      await until(async () => lines.some((l) => l.includes('"msg":"admin: add zed"')), 'the later node to log the new change');
      // Not 'add yan', nor anything before it.
      expect(lines.filter((l) => l.includes('"msg":"admin: ')).map((l) => JSON.parse(l).msg)).toEqual(['admin: add zed']);
    } finally {
      await later.close();
    }
  });

  it('refuses what it does not know, with the usage', async () => {
    expect(await admin(['users', 'frobnicate', 'x'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown users command[\s\S]*Usage/) });
    expect(await admin(['restore', 'nothing.sqlite'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--yes/) });
    // With the server running, restore is refused even with --yes.
    expect(await admin(['restore', 'nothing.sqlite', '--yes'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/stop it first/) });
  });
});

describe.skipIf(testBackend() === 'postgres')('npm run admin before the first start', () => {
  it('makes the data folder (0700) and the store, and the server started on it signs the user in', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ringlet-admin-first-'));
    const data = join(parent, 'data');
    try {
      const r = await runAdmin(['users', 'add', 'first', '--password-stdin', '--data', data], 'first-password-1\n');
      expect(r.status).toBe(0);
      expect(statSync(data).mode & 0o777).toBe(0o700);
      const fresh = await startServer({ port: 0, storage: join(data, 'ringlet.sqlite') });
      try {
        const res = await fetch(`${fresh.httpUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userID: 'first', password: 'first-password-1' }) });
        expect(res.status).toBe(200);
      } finally {
        await fresh.close();
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
