/**
 * A TLS deployment as docs/DEPLOY.md describes it: the server with --trust-proxy behind
 * Caddy run from deploy/Caddyfile (`local_certs`: Caddy's internal CA, `tls internal`),
 * Janus's WebSocket API behind the same proxy at /janus. Chromium reaches the proxy by
 * name (ringlet.test, mapped to 127.0.0.1 by --host-resolver-rules) and trusts the test CA
 * through the hash of its root key (--ignore-certificate-errors-spki-list), as a browser
 * with the CA installed would: nothing system-wide, the proxy on free high ports.
 *
 * The options page refuses plain ws:// to that host (and words the http:// mistake); the
 * extension signs in over wss://, a call rings and media flows between two Chromium
 * profiles; a classroom's media reaches a call window from Janus through the proxy; a Node
 * SDK client signs in over wss:// too; and two clients behind the proxy (different source
 * addresses, so the proxy's X-Forwarded-For differs) get separate per-address budgets.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { createChat } from '../../src/sdk/index.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { registerThrough, wssFactory, type ProxyTarget } from '../support/tls-client.ts';
import { janusAvailable, startTestJanus, type TestJanus } from '../support/janus.ts';
import { CADDY, startTestCaddy, type TestCaddy } from '../support/caddy.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { axeViolations, callWindow, extUrl, launchProfile, openPopup, PASSWORD, rtcSamples, screenshotPath, signInThroughOptions, until, type Profile } from './helpers.ts';

const DOMAIN = 'ringlet.test';
const REGISTRATIONS_PER_ADDRESS = 3;
const withJanus = janusAvailable();
const HAS_CADDY = existsSync(CADDY);
if (!HAS_CADDY) {
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true but caddy is missing: ${CADDY} (apt-get install caddy)`);
  console.warn(`TLS proxy tests skipped: ${CADDY} not found (apt-get install caddy)`);
}

let dir: string;
let janus: TestJanus | null = null;
let server: RingletServer;
let caddy: TestCaddy;
let alice: Profile;
let bob: Profile;
let wss: string;

const proxy = (): ProxyTarget => ({ domain: DOMAIN, port: caddy.port, ca: caddy.rootPem });
const register = (from: string, userID: string, headers: Record<string, string> = {}) => registerThrough(proxy(), from, userID, PASSWORD, headers);

beforeAll(async () => {
  if (!HAS_CADDY) return;
  dir = mkdtempSync(join(tmpdir(), 'ringlet-tls-'));
  if (withJanus) janus = await startTestJanus();
  const proxyPort = await freePort();
  wss = `wss://${DOMAIN}:${proxyPort}`;
  server = await startServer({
    port: 0,
    storage: join(dir, 'ringlet.sqlite'),
    deadlinePollMs: 200,
    logLevel: 'silent',
    trustProxy: true,
    groupConsent: false, // the class is made by code here; consent has its own tests (people.test.ts)
    accountLimits: { registrationsPerAddress: REGISTRATIONS_PER_ADDRESS },
    ...(janus ? { sfu: { ...janus.sfu, publicUrl: `${wss}/janus` } } : {}),
  });
  caddy = await startTestCaddy({
    domain: DOMAIN,
    port: proxyPort,
    upstream: `127.0.0.1:${server.port}`,
    janus: janus ? new URL(janus.sfu.url).host : '127.0.0.1:9',
  });
  const args = [`--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${caddy.spkiList}`];
  [alice, bob] = await Promise.all([launchProfile('tls-alice', { args }), launchProfile('tls-bob', { args })]);
}, 180_000);

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await caddy?.stop();
  await server?.close();
  await janus?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function optionsError(page: Page, address: string): Promise<string> {
  await page.getByTestId('server').fill(address);
  await page.getByTestId('sign-in').click();
  const box = page.getByTestId('account-error');
  await until(async () => (await box.getAttribute('data-code')) === 'bad_server' && (await box.textContent())?.includes(address.replace(/^\w+:\/\//, '')), `the refusal of ${address}`);
  return (await box.textContent()) ?? '';
}

describe.skipIf(!HAS_CADDY)('through a TLS reverse proxy (Caddy, deploy/Caddyfile)', () => {
  it('the options page refuses plain ws:// to the host, and says what to type for http(s)://', async () => {
    const page = await alice.context.newPage();
    await page.goto(extUrl(alice, 'options.html'));
    await page.getByTestId('user-id').fill('alice');
    await page.getByTestId('password').fill(PASSWORD);
    const insecure = await optionsError(page, `ws://${DOMAIN}:${caddy.port}`);
    expect(insecure).toBe(
      `Not sent: ws:// would carry your password and your calls to ${DOMAIN}:${caddy.port} unencrypted. Use a wss:// address, for example ${wss}. Plain ws:// is allowed only to this computer (localhost, 127.0.0.1).`,
    );
    await page.screenshot({ path: screenshotPath('options-insecure-server.png') });
    expect(await axeViolations(page)).toEqual([]);
    const scheme = await optionsError(page, `https://${DOMAIN}:${caddy.port}`);
    expect(scheme).toBe(`Use a ws:// or wss:// address, for example ${wss}.`);
    // Nothing was sent: no account exists yet for alice (she registers below from this address).
    await page.close();
  });

  it('the extension signs in over wss://, a call rings and media flows both ways', async () => {
    await Promise.all([signInThroughOptions(alice, wss, 'alice', true), signInThroughOptions(bob, wss, 'bob', true)]).then((pages) => Promise.all(pages.map((p) => p.close())));
    const aPopup = await openPopup(alice);
    await aPopup.getByPlaceholder('User ID').fill('bob');
    await aPopup.getByTestId('type-audio').check();
    await aPopup.getByTestId('dial').click();
    const bPopup = await openPopup(bob);
    await bPopup.getByTestId('incoming').getByRole('button', { name: 'Accept' }).first().click();
    const [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
    for (const [page, peer] of [[aCall, 'bob'], [bCall, 'alice']] as const) {
      const first = await until(async () => (await rtcSamples(page))[peer]?.inAudioBytes, `${peer}'s audio`, 30_000);
      await until(async () => ((await rtcSamples(page))[peer]?.inAudioBytes ?? 0) > first + 2000, `${peer}'s audio to keep flowing`, 30_000);
    }
    await aCall.getByTestId('call-hangup').click();
    await bCall.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 15_000 });
    await Promise.all([aPopup.close(), bPopup.close(), aCall.close().catch(() => undefined), bCall.close().catch(() => undefined)]);
  }, 120_000);

  it.skipIf(!withJanus)("a Node SDK client signs in over wss://; a classroom's media reaches the call window from Janus through the proxy", async () => {
    const teacher = createChat({
      server: wss,
      socketFactory: wssFactory(proxy()),
    });
    let media: SyntheticStudent | null = null;
    try {
      await teacher.login({ userID: 'teacher', userSig: await server.userSig('teacher', 3600) });
      await teacher.createGroup({ groupID: 'class', name: 'Class 1', memberList: ['alice'] });
      const data = JSON.stringify({ version: 1, roomID: 'room-tls', callType: 'audio', mode: 'classroom' });
      const { inviteID } = await teacher.inviteInGroup({ groupID: 'class', inviteeList: ['alice'], data, timeout: 60 });
      const popup = await openPopup(alice);
      await popup.getByTestId('incoming').getByRole('button', { name: 'Accept' }).first().click();
      const win = await callWindow(alice);
      const grant = (await teacher.getSfuJoin({ inviteID })).data;
      // The grant names Janus as clients reach it: through the proxy.
      expect(grant.url).toBe(`${wss}/janus`);
      // The synthetic teacher (werift in Node) publishes to Janus directly; the student's
      // call window receives it over wss://ringlet.test/janus.
      media = await startSyntheticStudent('teacher', { ...grant, url: janus!.sfu.url });
      const first = await until(async () => (await rtcSamples(win)).teacher?.inAudioBytes, "the teacher's audio at the student", 30_000);
      await until(async () => ((await rtcSamples(win)).teacher?.inAudioBytes ?? 0) > first + 3000, "the teacher's audio to keep flowing", 30_000);
      await win.close();
      await popup.close();
    } finally {
      await media?.leave().catch(() => undefined);
      await teacher.destroy();
    }
  }, 120_000);

  it('--trust-proxy: two clients behind the proxy get separate per-address budgets', async () => {
    // Two source addresses on loopback; the proxy puts each one in X-Forwarded-For.
    for (let i = 0; i < REGISTRATIONS_PER_ADDRESS; i++) expect(await register('127.0.0.2', `first-${i}`)).toBe(200);
    expect(await register('127.0.0.2', 'first-over')).toBe(429);
    // A forged X-Forwarded-For from the client does not buy a new budget: the proxy's entry counts.
    expect(await register('127.0.0.2', 'first-forged', { 'x-forwarded-for': '203.0.113.9' })).toBe(429);
    // The other client's budget is untouched.
    expect(await register('127.0.0.3', 'second-0')).toBe(200);
  }, 60_000);
});
