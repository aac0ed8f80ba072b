/**
 * Which server addresses the extension signs in to (shared/server-url.ts), and the worker
 * refusing the others before the password leaves: plain ws:// to another computer, an
 * http(s):// URL (with a worded example instead of a pattern), and, under an
 * organisation's policy (storage.managed, shared/managed.ts), any server but the locked one.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { Phone } from '../../src/extension/background/phone.ts';
import { silentRingtone } from '../../src/extension/background/ringtone.ts';
import { isLoopbackHost, serverURLProblem } from '../../src/extension/shared/server-url.ts';
import { readManagedServer } from '../../src/extension/shared/managed.ts';
import { setLanguage, t } from '../../src/extension/shared/i18n.ts';
import { toFailure } from '../../src/extension/messaging/worker.ts';
import { FakeChat } from './fake-chat.ts';

describe('server addresses', () => {
  it('allows wss:// anywhere and ws:// only to this computer', () => {
    for (const ok of ['wss://ringlet.example', 'wss://10.0.0.5:8443/ws', 'ws://127.0.0.1:8787', 'ws://localhost:8787', 'ws://[::1]:8787', 'ws://127.9.9.9', 'ws://dev.localhost:1']) {
      expect(serverURLProblem(ok), ok).toBeNull();
    }
    expect(serverURLProblem('ws://192.168.1.20:8787')).toEqual({ key: 'errorServerURLInsecure', subs: ['192.168.1.20:8787', 'wss://192.168.1.20:8787'] });
    expect(serverURLProblem('ws://ringlet.example/ws')).toEqual({ key: 'errorServerURLInsecure', subs: ['ringlet.example', 'wss://ringlet.example/ws'] });
    // A name that merely starts like a loopback address is not one.
    expect(serverURLProblem('ws://127.0.0.1.example')?.key).toBe('errorServerURLInsecure');
    expect(serverURLProblem('ws://localhost.example')?.key).toBe('errorServerURLInsecure');
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('::ffff:10.0.0.1')).toBe(false);
  });

  it('answers an http(s):// or unreadable address with the scheme to use and an example', () => {
    expect(serverURLProblem('https://ringlet.example')).toEqual({ key: 'errorServerURLScheme', subs: ['wss://ringlet.example'] });
    expect(serverURLProblem('http://127.0.0.1:8787')).toEqual({ key: 'errorServerURLScheme', subs: ['ws://127.0.0.1:8787'] });
    expect(serverURLProblem('http://10.1.2.3:8787')).toEqual({ key: 'errorServerURLScheme', subs: ['wss://10.1.2.3:8787'] });
    expect(serverURLProblem('ringlet.example')?.key).toBe('errorServerURLScheme');
    setLanguage('en');
    expect(t('errorServerURLScheme', 'wss://ringlet.example')).toBe('Use a ws:// or wss:// address, for example wss://ringlet.example.');
    setLanguage('zh_CN');
    expect(t('errorServerURLScheme', 'wss://ringlet.example')).toBe('请使用 ws:// 或 wss:// 地址，例如 wss://ringlet.example。');
    expect(t('errorServerURLInsecure', 'h', 'wss://h')).toContain('明文');
    setLanguage('en');
  });
});

function boot() {
  const posts: string[] = [];
  const phone = new Phone({
    createChat: ({ server }) => new FakeChat(server),
    ringtone: silentRingtone(),
    openCallPage: async () => undefined,
    fetch: async (url, init) => {
      posts.push(String(url));
      const body = JSON.parse(String(init?.body)) as { userID: string };
      return new Response(JSON.stringify({ code: 0, data: { userID: body.userID, userSig: `sig-${body.userID}`, expiresIn: 3600 } }));
    },
  });
  return { phone, posts };
}

const signIn = (phone: Phone, server: string) => phone.handle({ type: 'account/signIn', server, userID: 'bob', password: 'pw', create: false });

describe('the worker', () => {
  beforeEach(() => fakeBrowser.reset());

  it('refuses plain ws:// to another computer before the password is posted', async () => {
    const { phone, posts } = boot();
    await phone.ready;
    const refused = await signIn(phone, 'ws://192.168.1.20:8787').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'bad_server', key: 'errorServerURLInsecure' });
    setLanguage('en');
    expect(toFailure(refused).message).toBe(
      'Not sent: ws:// would carry your password and your calls to 192.168.1.20:8787 unencrypted. Use a wss:// address, for example wss://192.168.1.20:8787. Plain ws:// is allowed only to this computer (localhost, 127.0.0.1).',
    );
    expect(posts).toEqual([]);
    await signIn(phone, 'ws://127.0.0.1:8787');
    expect(posts).toEqual(['http://127.0.0.1:8787/api/login']);
  });

  it("takes the policy's server as the default, and only it once locked", async () => {
    await fakeBrowser.storage.managed.set({ serverURL: 'wss://ringlet.example', lockServerURL: false });
    let w = boot();
    await w.phone.ready;
    expect(w.phone.viewState().server).toBe('wss://ringlet.example');
    await signIn(w.phone, 'ws://127.0.0.1:8787');
    expect(w.posts).toEqual(['http://127.0.0.1:8787/api/login']);
    await w.phone.handle({ type: 'account/signOut' });

    await fakeBrowser.storage.managed.set({ lockServerURL: true });
    w = boot();
    await w.phone.ready;
    // Locked: the policy's server even though another was used last.
    expect(w.phone.viewState().server).toBe('wss://ringlet.example');
    await expect(signIn(w.phone, 'ws://127.0.0.1:8787')).rejects.toMatchObject({ code: 'server_locked', subs: ['wss://ringlet.example'] });
    await signIn(w.phone, 'wss://ringlet.example');
    expect(w.posts).toEqual(['https://ringlet.example/api/login']);
    expect(w.phone.viewState().server).toBe('wss://ringlet.example');
  });

  it('ignores a policy server the extension would refuse, and a policy of the wrong shape', async () => {
    await fakeBrowser.storage.managed.set({ serverURL: 'ws://10.0.0.1:8787', lockServerURL: true });
    expect(await readManagedServer()).toEqual({ serverURL: null, locked: false });
    await fakeBrowser.storage.managed.set({ serverURL: 42 });
    expect(await readManagedServer()).toEqual({ serverURL: null, locked: false });
  });
});
