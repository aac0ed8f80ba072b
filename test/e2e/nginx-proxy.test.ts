/**
 * The same deployment behind nginx (deploy/nginx-ringlet.conf) instead of Caddy: Node SDK
 * clients sign in over wss:// through it and a call rings; Janus answers at wss://…/janus
 * through it; and with --trust-proxy two clients behind it (different source addresses)
 * get separate per-address budgets, a forged X-Forwarded-For buying none. The browsers'
 * side of a TLS deployment (sign-in, media) is tls-proxy.test.ts, through Caddy.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { createChat, TSignaling } from '../../src/sdk/index.ts';
import { janusAvailable, startTestJanus, type TestJanus } from '../support/janus.ts';
import { NGINX, startTestNginx, type TestNginx } from '../support/nginx.ts';
import { loopbackLookup, registerThrough, wssFactory, type ProxyTarget } from '../support/tls-client.ts';
import { PASSWORD, until } from './helpers.ts';

const DOMAIN = 'ringlet.test';
const REGISTRATIONS_PER_ADDRESS = 3;
const HAS_NGINX = existsSync(NGINX);
if (!HAS_NGINX) {
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true but nginx is missing: ${NGINX} (apt-get install nginx)`);
  console.warn(`nginx tests skipped: ${NGINX} not found (apt-get install nginx)`);
}

describe.skipIf(!HAS_NGINX)('through nginx (deploy/nginx-ringlet.conf)', () => {
  let dir: string;
  let janus: TestJanus | null = null;
  let server: RingletServer;
  let nginx: TestNginx;
  const target = (): ProxyTarget => ({ domain: DOMAIN, port: nginx.port, ca: nginx.caPem });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringlet-nginx-e2e-'));
    if (janusAvailable()) janus = await startTestJanus();
    server = await startServer({
      port: 0, storage: join(dir, 'ringlet.sqlite'), deadlinePollMs: 200, logLevel: 'silent', trustProxy: true,
      accountLimits: { registrationsPerAddress: REGISTRATIONS_PER_ADDRESS },
    });
    nginx = await startTestNginx({ domain: DOMAIN, upstream: `127.0.0.1:${server.port}`, janus: janus ? new URL(janus.sfu.url).host : '127.0.0.1:9' });
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
    await janus?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SDK clients sign in over wss:// and a call rings', async () => {
    const url = `wss://${DOMAIN}:${nginx.port}`;
    const [alice, bob] = ['ng-alice', 'ng-bob'].map(() => createChat({ server: url, socketFactory: wssFactory(target()) }));
    try {
      await alice!.login({ userID: 'ng-alice', userSig: await server.userSig('ng-alice', 3600) });
      await bob!.login({ userID: 'ng-bob', userSig: await server.userSig('ng-bob', 3600) });
      const rang: string[] = [];
      bob!.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e) => rang.push((e.data as { inviteID: string }).inviteID));
      const { inviteID } = await alice!.invite({ userID: 'ng-bob', data: JSON.stringify({ roomID: 1 }), timeout: 30 });
      await until(async () => rang.includes(inviteID), 'the invitation at bob through nginx');
      await bob!.accept({ inviteID });
    } finally {
      await Promise.all([alice!.destroy(), bob!.destroy()]);
    }
  });

  it.skipIf(!janusAvailable())('Janus answers at wss://…/janus', async () => {
    const ws = new WebSocket(`wss://${DOMAIN}:${nginx.port}/janus`, 'janus-protocol', { ca: nginx.caPem, lookup: loopbackLookup });
    try {
      const reply = await new Promise<{ janus: string }>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 't1' })));
        ws.on('message', (m) => resolve(JSON.parse(String(m)) as { janus: string }));
      });
      expect(reply.janus).toBe('server_info');
    } finally {
      ws.close();
    }
  });

  it('--trust-proxy: two clients behind nginx get separate per-address budgets', async () => {
    const register = (from: string, userID: string, headers: Record<string, string> = {}) => registerThrough(target(), from, userID, PASSWORD, headers);
    for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) expect(await register('127.0.0.2', `ng-first-${i}`)).toBe(200);
    expect(await register('127.0.0.2', 'ng-first-over')).toBe(429);
    expect(await register('127.0.0.2', 'ng-first-forged', { 'x-forwarded-for': '203.0.113.9' })).toBe(429);
    expect(await register('127.0.0.3', 'ng-second-0')).toBe(200);
  });
});
