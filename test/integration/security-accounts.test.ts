/**
 * Issue 8, items 1, 2, 3 and 10a against the real server: account takeover, revocable
 * sessions, password guessing and the account endpoints, file modes.
 */
import { statSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { EVENT } from '../../src/sdk/index.ts';
import { testBackend, testStorage } from '../support/backends.ts';
import { connectClient, startHarness, type Client, type Harness } from './harness.ts';
import { bearer, post } from './http-client.ts';

/** Every log line the server wrote, as text. */
const logLines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness({ logger, accountLimits: { registrationsPerAddress: 1000 } });
  base = h.server.httpUrl;
});
afterAll(() => h.close());

let n = 0;
/** A fresh user ID per test, so tests never share an account. */
const uid = (name: string) => `${name}-${++n}`;

async function register(userID: string, password = 'correct horse'): Promise<string> {
  const res = await post(base, '/api/register', { userID, password });
  expect(res.status).toBe(200);
  return res.body.data.userSig;
}
async function signIn(userID: string, password = 'correct horse', from?: string): Promise<string> {
  const res = await post(base, '/api/login', { userID, password }, from ? { from } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.userSig;
}
/** Resolves with the KICKED_OUT data the client hears. */
function kickedOut(c: Client): Promise<any> {
  return new Promise((resolve) => c.chat.on(EVENT.KICKED_OUT, (e: any) => resolve(e.data)));
}
async function refusedAtLogin(userID: string, sig: string): Promise<void> {
  await expect(connectClient(h.server.url, userID, sig)).rejects.toMatchObject({ code: 70001, reason: 'bad_user_sig' });
}

describe('item 1: account takeover through registration', () => {
  it('refuses to register a user ID that exists without a password (UserSig-provisioned): 409 user_exists', async () => {
    const carol = uid('carol');
    await h.server.userSig(carol);
    const res = await post(base, '/api/register', { userID: carol, password: 'attacker-password' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 70002, reason: 'user_exists' });
    const login = await post(base, '/api/login', { userID: carol, password: 'attacker-password' });
    expect(login.status).toBe(401);
    expect(login.body).toMatchObject({ code: 70003, reason: 'bad_credentials' });
  });

  it('lets only the signed-in account set its first password, and a change needs the old one', async () => {
    const carol = uid('carol');
    const sig = await h.server.userSig(carol);
    expect((await post(base, '/api/password', { password: 'first password' })).body).toMatchObject({ code: 70001, reason: 'bad_user_sig' });
    const other = await h.server.userSig(uid('mallory'));
    const set = await post(base, '/api/password', { password: 'first password' }, { headers: bearer(sig) });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ code: 0, data: { userID: carol, expiresIn: 7 * 86400 } });
    expect(typeof set.body.data.userSig).toBe('string');
    // Mallory's token sets Mallory's password, never Carol's.
    expect((await post(base, '/api/password', { password: 'mallory-pass' }, { headers: bearer(other) })).body.data.userID).not.toBe(carol);
    await signIn(carol, 'first password');
    const fresh = set.body.data.userSig;
    const noOld = await post(base, '/api/password', { password: 'second password' }, { headers: bearer(fresh) });
    expect(noOld.status).toBe(400);
    expect(noOld.body).toMatchObject({ code: 8001, reason: 'oldPassword' });
    const wrongOld = await post(base, '/api/password', { password: 'second password', oldPassword: 'not it at all' }, { headers: bearer(fresh) });
    expect(wrongOld.status).toBe(401);
    expect(wrongOld.body).toMatchObject({ code: 70003, reason: 'bad_credentials' });
    const ok = await post(base, '/api/password', { password: 'second password', oldPassword: 'first password' }, { headers: bearer(fresh) });
    expect(ok.status).toBe(200);
    await signIn(carol, 'second password');
  });

  it('states the password rule in the error', async () => {
    const res = await post(base, '/api/register', { userID: uid('short'), password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 8001, reason: 'password' });
    expect(res.body.message).toContain('at least 8');
  });
});

describe('item 2: sessions that can really be ended', () => {
  it('revokes the bearer token on logout: its live session is kicked, it opens no new one, other tokens live on', async () => {
    const dan = uid('dan');
    await register(dan);
    const t1 = await signIn(dan);
    const t2 = await signIn(dan);
    const live = await connectClient(h.server.url, dan, t1);
    const kicked = kickedOut(live);
    const out = await post(base, '/api/logout', {}, { headers: bearer(t1) });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ code: 0, data: {} });
    expect(await kicked).toMatchObject({ type: 'userSigExpired' });
    await refusedAtLogin(dan, t1);
    expect((await post(base, '/api/logout', {}, { headers: bearer(t1) })).status).toBe(401);
    const other = await connectClient(h.server.url, dan, t2);
    expect((await other.chat.getGroupList()).code).toBe(0);
    await other.chat.destroy();
    await live.chat.destroy();
  });

  it('logout everywhere kicks every live session of the user, whichever token it holds', async () => {
    const eve = uid('eve');
    await register(eve);
    const a = await connectClient(h.server.url, eve, await signIn(eve));
    const b = await connectClient(h.server.url, eve, await signIn(eve));
    const bystander = await h.client(uid('bystander'));
    const kicks = [kickedOut(a), kickedOut(b)];
    const t = await signIn(eve);
    expect((await post(base, '/api/logout', { everywhere: true }, { headers: bearer(t) })).status).toBe(200);
    for (const k of await Promise.all(kicks)) expect(k).toMatchObject({ type: 'userSigExpired' });
    await refusedAtLogin(eve, t);
    // Nobody else was touched, and a new sign-in works.
    expect((await bystander.chat.getGroupList()).code).toBe(0);
    const again = await connectClient(h.server.url, eve, await signIn(eve));
    expect((await again.chat.getGroupList()).code).toBe(0);
    for (const c of [a, b, again]) await c.chat.destroy();
  });

  it('a password change revokes every earlier token and kicks live sessions', async () => {
    const fay = uid('fay');
    const t0 = await register(fay, 'old password');
    const live = await connectClient(h.server.url, fay, t0);
    const kicked = kickedOut(live);
    const res = await post(base, '/api/password', { oldPassword: 'old password', password: 'new password' }, { headers: bearer(t0) });
    expect(res.status).toBe(200);
    expect(await kicked).toMatchObject({ type: 'userSigExpired' });
    await refusedAtLogin(fay, t0);
    expect((await post(base, '/api/login', { userID: fay, password: 'old password' })).status).toBe(401);
    const fresh = await connectClient(h.server.url, fay, res.body.data.userSig);
    expect((await fresh.chat.getGroupList()).code).toBe(0);
    await fresh.chat.destroy();
    await live.chat.destroy();
  });

  it('an operator-minted token (server.userSig) is revoked like any other', async () => {
    const gus = uid('gus');
    const op = await h.server.userSig(gus, 3600);
    const live = await connectClient(h.server.url, gus, op);
    const kicked = kickedOut(live);
    expect((await post(base, '/api/logout', { everywhere: true }, { headers: bearer(op) })).status).toBe(200);
    expect(await kicked).toMatchObject({ type: 'userSigExpired' });
    await refusedAtLogin(gus, op);
    // The operator mints at the current generation: the new token works.
    const next = await connectClient(h.server.url, gus, await h.server.userSig(gus, 3600));
    expect((await next.chat.getGroupList()).code).toBe(0);
    await next.chat.destroy();
    await live.chat.destroy();
  });

  it('refuses a malformed logout body and a missing bearer', async () => {
    const t = await h.server.userSig(uid('hal'));
    expect((await post(base, '/api/logout', { everywhere: 'yes' }, { headers: bearer(t) })).body).toMatchObject({ code: 8001, reason: 'everywhere' });
    const none = await post(base, '/api/logout', {});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('item 3: password guessing and the account endpoints', () => {
  it('throttles failed sign-ins per account with a growing delay: 429 + Retry-After', async () => {
    const ivy = uid('ivy');
    await register(ivy);
    const from = '127.0.0.10';
    for (let i = 0; i < 6; i++) {
      const res = await post(base, '/api/login', { userID: ivy, password: `guess number ${i}` }, { from });
      expect(res.status).toBe(401);
    }
    // Locked now, even for the right password, from any address.
    const locked = await post(base, '/api/login', { userID: ivy, password: 'correct horse' }, { from: '127.0.0.11' });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ code: 8040, reason: 'login_attempts' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.body.retryAfter).toBe(Number(locked.headers['retry-after']));
    // Once the lock has passed, a further failure locks for twice as long.
    const res7 = await untilNot429(() => post(base, '/api/login', { userID: ivy, password: 'guess number 7' }, { from }));
    expect(res7.status).toBe(401);
    const longer = await post(base, '/api/login', { userID: ivy, password: 'correct horse' }, { from });
    expect(longer.status).toBe(429);
    expect(Number(longer.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    // The right password after the lock opens the account and clears its count.
    expect((await untilNot429(() => post(base, '/api/login', { userID: ivy, password: 'correct horse' }, { from }))).status).toBe(200);
  });

  it('throttles failed sign-ins per address across accounts', async () => {
    const server = await startServer({ port: 0, accountLimits: { addressFreeFailures: 3, accountFreeFailures: 100 } });
    try {
      const from = '127.0.0.12';
      for (let i = 0; i < 4; i++) expect((await post(server.httpUrl, '/api/login', { userID: `nobody-${i}`, password: 'whatever-1' }, { from })).status).toBe(401);
      const res = await post(server.httpUrl, '/api/login', { userID: 'someone-else', password: 'whatever-1' }, { from });
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ code: 8040, reason: 'login_attempts' });
      expect(res.headers['retry-after']).toBeDefined();
      // Another address is not affected.
      expect((await post(server.httpUrl, '/api/login', { userID: 'someone-else', password: 'whatever-1' }, { from: '127.0.0.13' })).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
    const limits = { addressFreeFailures: 1, accountFreeFailures: 100 };
    const fail = (url: string, xff: string) => post(url, '/api/login', { userID: 'nobody', password: 'whatever-1' }, { headers: { 'x-forwarded-for': xff } });
    const proxied = await startServer({ port: 0, trustProxy: true, accountLimits: limits });
    const direct = await startServer({ port: 0, accountLimits: limits });
    try {
      // Trusted: each forwarded address has its own count (the last entry is the proxy's view).
      for (const xff of ['10.1.1.1, 192.0.2.1', '10.1.1.1, 192.0.2.1', '10.1.1.1, 192.0.2.2']) expect((await fail(proxied.httpUrl, xff)).status).toBe(401);
      expect((await fail(proxied.httpUrl, '192.0.2.1')).status).toBe(429);
      // Untrusted: the header is ignored, every request counts for the peer address.
      expect((await fail(direct.httpUrl, '192.0.2.3')).status).toBe(401);
      expect((await fail(direct.httpUrl, '192.0.2.4')).status).toBe(401);
      expect((await fail(direct.httpUrl, '192.0.2.5')).status).toBe(429);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });

  it('logs a failed sign-in with user ID and address, never the password', async () => {
    const jo = uid('jo');
    await register(jo);
    const secret = 'Sup3r-Secret-Guess-42';
    await post(base, '/api/login', { userID: jo, password: secret }, { from: '127.0.0.14' });
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.user === jo && /failed/.test(l.msg));
    expect(line).toMatchObject({ level: 40, user: jo, ip: '127.0.0.14' });
    expect(logLines.join('\n')).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain('correct horse');
  });

  it('refuses text/plain and form bodies with 415', async () => {
    const body = JSON.stringify({ userID: uid('kai'), password: 'correct horse' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await post(base, '/api/register', body, { headers: { 'content-type': type } });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: 8001, reason: 'content-type' });
    }
    expect((await post(base, '/api/login', body, { headers: {} })).status).toBe(415);
  });

  it('sends no permissive CORS headers: only extension origins may read the answers', async () => {
    const page = { origin: 'http://page.invalid' };
    const res = await post(base, '/api/login', { userID: 'x', password: 'whatever-1' }, { headers: page });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await post(base, '/api/login', undefined, { method: 'OPTIONS', headers: { ...page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    for (const origin of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0c4b5d6e-1111-2222-3333-444455556666']) {
      const ok = await post(base, '/api/login', undefined, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(origin);
      expect(ok.headers['access-control-allow-headers']).toContain('authorization');
    }
  });

  it('bounds password-hashing concurrency: a real user signs in while a flood of guesses runs', async () => {
    const real = uid('real');
    await register(real);
    let stop = false;
    const seen: { status: number; reason?: string }[] = [];
    let firstRefusal!: () => void;
    const saturated = new Promise<void>((r) => (firstRefusal = r));
    // 64 kept-alive connections from one address, each guessing as fast as answers come back.
    const agent = new Agent({ keepAlive: true, maxSockets: 64, localAddress: '127.0.0.20' });
    const flood = Array.from({ length: 64 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const res = await post(base, '/api/login', { userID: `ghost-${w}-${i}`, password: 'guess-guess' }, { agent });
        seen.push({ status: res.status, reason: res.body?.reason });
        if (res.status === 429 && res.body?.reason === 'password_hashing') firstRefusal();
      }
    });
    await saturated; // the flood holds every hashing place its address may take
    const live = await h.client(uid('bystander'));
    const [login, groups] = await Promise.all([
      post(base, '/api/login', { userID: real, password: 'correct horse' }, { from: '127.0.0.21' }),
      live.chat.getGroupList(),
    ]);
    const stillFlooding = !stop;
    stop = true;
    await Promise.all(flood);
    agent.destroy();
    expect(stillFlooding).toBe(true);
    expect(login.status).toBe(200);
    expect(groups.code).toBe(0);
    // The flood was answered (never left hanging), and only with 401 or a quick refusal:
    // its share of the hashing queue was full, or its address got locked by its failures.
    expect(new Set(seen.map((s) => s.status))).toEqual(new Set([401, 429]));
    expect(new Set(seen.filter((s) => s.status === 429).map((s) => s.reason)).has('password_hashing')).toBe(true);
    for (const s of seen) if (s.status === 429) expect(['password_hashing', 'login_attempts']).toContain(s.reason);
  }, 120_000); // a loaded machine: the flood's own client shares this process

  it('rate-limits registration per address', async () => {
    const server = await startServer({ port: 0 });
    try {
      const from = '127.0.0.30';
      for (let i = 0; i < 10; i++) expect((await post(server.httpUrl, '/api/register', { userID: `new-${i}`, password: 'correct horse' }, { from })).status).toBe(200);
      const res = await post(server.httpUrl, '/api/register', { userID: 'new-10', password: 'correct horse' }, { from });
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ code: 8040, reason: 'registrations' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await post(server.httpUrl, '/api/register', { userID: 'new-11', password: 'correct horse' }, { from: '127.0.0.31' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers an oversized body with 413 and a JSON error, not a reset', async () => {
    const big = JSON.stringify({ userID: 'big', password: 'x'.repeat(17 * 1024) });
    const res = await post(base, '/api/register', big, { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 8001, reason: 'body' });
    expect(res.body.message).toContain('16384');
  });
});

describe('item 10a: file modes', () => {
  it('keeps the data folder 0700 and the database, WAL, SHM and secret files 0600', async () => {
    const db = await testStorage('modes');
    const dataDir = join(db.dir, 'data');
    const storage = testBackend() === 'sqlite' ? join(dataDir, 'ringlet.sqlite') : db.storage;
    const server = await startServer({ port: 0, storage, dataDir });
    try {
      const c = await connectClient(server.url, 'modes', await server.userSig('modes'));
      await c.chat.createGroup({ name: 'g' });
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(join(dataDir, 'secret.key'))).toBe(0o600);
      if (testBackend() === 'sqlite') {
        for (const f of ['ringlet.sqlite', 'ringlet.sqlite-wal', 'ringlet.sqlite-shm']) expect(mode(join(dataDir, f)), f).toBe(0o600);
      }
      await c.chat.destroy();
    } finally {
      await server.close();
      await db.cleanup();
    }
  });
});

/** Repeats `fn` while it answers 429, waiting the Retry-After it gives each time. */
async function untilNot429(fn: () => Promise<{ status: number; headers: Record<string, unknown> }>) {
  for (let i = 0; i < 20; i++) {
    const res = await fn();
    if (res.status !== 429) return res;
    await new Promise((r) => setTimeout(r, Number(res.headers['retry-after']) * 1000));
  }
  throw new Error('still 429 after 20 tries');
}
