import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { connectClient, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const post = (server: RingletServer, path: string, body: unknown) =>
  fetch(`${server.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('password accounts', () => {
  it('registers, then logs in, and the returned userSig opens a session', async () => {
    const reg = await post(h.server, '/api/register', { userID: 'zoe', password: 'correct horse' });
    expect(reg.status).toBe(200);
    const regBody = await reg.json();
    expect(regBody).toMatchObject({ code: 0, data: { userID: 'zoe' } });
    expect(reg.headers.get('access-control-allow-origin')).toBeNull();
    const login = await post(h.server, '/api/login', { userID: 'zoe', password: 'correct horse' });
    const { data } = await login.json();
    const client = await connectClient(h.server.url, 'zoe', data.userSig);
    expect((await client.chat.getGroupList()).code).toBe(0);
    await client.chat.destroy();
  });

  it('refuses a second registration of the same user with 409 user_exists', async () => {
    await post(h.server, '/api/register', { userID: 'yan', password: 'password-1' });
    const again = await post(h.server, '/api/register', { userID: 'yan', password: 'password-2' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 70002, reason: 'user_exists' });
    // The first password still holds.
    expect((await post(h.server, '/api/login', { userID: 'yan', password: 'password-1' })).status).toBe(200);
  });

  it('answers a wrong password and an unknown user alike: 401 bad_credentials', async () => {
    await post(h.server, '/api/register', { userID: 'xia', password: 'password-1' });
    for (const body of [{ userID: 'xia', password: 'wrong-one' }, { userID: 'nobody', password: 'password-1' }]) {
      const res = await post(h.server, '/api/login', body);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 70003, reason: 'bad_credentials' });
    }
  });

  it('validates the body: bad JSON, short password, bad userID', async () => {
    expect(await (await post(h.server, '/api/register', '{oops')).json()).toMatchObject({ code: 8001, reason: 'body' });
    expect(await (await post(h.server, '/api/register', { userID: 'w', password: 'short' })).json()).toMatchObject({ code: 8001, reason: 'password' });
    expect(await (await post(h.server, '/api/register', { userID: 'a b', password: 'long enough' })).json()).toMatchObject({ code: 8001, reason: 'userID' });
  });

  it('can be turned off: 403 registration_disabled, while login keeps working', async () => {
    const closed = await startServer({ port: 0, storage: ':memory:', allowRegistration: false });
    try {
      const res = await post(closed, '/api/register', { userID: 'v', password: 'long enough' });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 70004, reason: 'registration_disabled' });
    } finally {
      await closed.close();
    }
  });

  it('serves /healthz', async () => {
    const res = await fetch(`${h.server.httpUrl}/healthz`);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});
