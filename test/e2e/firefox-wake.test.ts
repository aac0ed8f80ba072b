/**
 * Firefox keeps ringing: its MV3 event page is suspended after
 * `extensions.background.idle.timeout` without extension activity (30 s by default; 3 s
 * in this profile, so suspension happens within the test), and a suspended page has no
 * socket to hear an invitation on. Dave (headless firefox-esr) reaches the server through
 * a TCP proxy that can cut the network; carol is a Node SDK client on the server itself.
 *
 * (a) After 20 s of idle (no extension page open, nothing happening), an invitation with
 *     a 5 s timeout rings; three times.
 * (b) After the server was unreachable for 2 minutes, an invitation sent as the network
 *     returns, with a 5 s timeout, rings.
 *
 * Each invitation's `timeout` is the functional deadline: one that times out before dave's
 * phone hears it never rings (the server announces only pending invitations). Ringing is
 * read from the page badge in a web tab (its closed shadow tree, through BiDi), which
 * involves neither the add-on's pages nor its background.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { PASSWORD, nodeClient, startTestPage, startTestServer, until, type TestServer } from './helpers.ts';
import {
  FIREFOX,
  backgroundState,
  closeExtensionTabs,
  firefoxPageBadge,
  launchFirefox,
  openExtensionPage,
  type FirefoxProfile,
} from './firefox-helpers.ts';

const HAS_FIREFOX = existsSync(FIREFOX);
/** Firefox's idle timeout for event pages in this profile (ms). */
const IDLE_TIMEOUT_MS = 3000;
/** How long nothing happens before each invitation: several idle timeouts. */
const IDLE_MS = 20_000;
/** How long the server is unreachable. */
const OUTAGE_MS = 120_000;

let ff: FirefoxProfile;
let srv: TestServer;
let proxy: TcpProxy;
let site: Awaited<ReturnType<typeof startTestPage>>;
let carol: Awaited<ReturnType<typeof nodeClient>>;
let tab: Page;

/** The scenario's idle time: nothing is sent, opened or clicked meanwhile. */
const nothingHappensFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Carol calls dave with a `seconds` timeout; it must ring in the web tab (an invitation that
 * timed out before dave's phone heard it never rings); then she hangs up. The timeouts are
 * short of what the failure would take (a suspended page: the 30 s keep-alive alarm; a
 * reconnect without the extension's 3 s backoff cap: steps of up to 10 s) but leave a loaded
 * machine seconds for the login, the catch-up and the badge.
 */
async function ringsWithin(seconds: number) {
  const inv = await carol.invite({ userID: 'dave', timeout: seconds });
  const badge = await until(async () => {
    const b = await firefoxPageBadge(tab);
    return b.present ? b : null;
  }, 'the invitation ringing in the web tab', 20_000);
  expect(badge.texts).toEqual(['carol is calling']);
  await carol.cancel({ inviteID: inv.inviteID }).catch(() => undefined); // it may have timed out already
  await until(async () => !(await firefoxPageBadge(tab)).present, 'the page badge gone');
}

beforeAll(async () => {
  if (!HAS_FIREFOX) return;
  [srv, site, ff] = await Promise.all([
    startTestServer(),
    startTestPage(),
    launchFirefox({ 'extensions.background.idle.timeout': IDLE_TIMEOUT_MS }),
  ]);
  proxy = await startTcpProxy([Number(new URL(srv.server.url).port)]);
  carol = await nodeClient(srv.server, 'carol');

  const options = await openExtensionPage(ff.browser, 'options.html');
  await options.locator('[data-testid="server"]').fill(proxy.url);
  await options.locator('[data-testid="user-id"]').fill('dave');
  await options.locator('[data-testid="password"]').fill(PASSWORD);
  await options.locator('[data-testid="create-account"]').click();
  await options.waitForSelector('[data-testid="status"][data-connection="online"]', { timeout: 15_000 });
  tab = await ff.browser.newPage();
  await tab.goto(site.url);
  await closeExtensionTabs(ff.browser); // the options page and the onboarding tab
});

afterAll(async () => {
  await carol?.destroy().catch(() => undefined);
  await ff?.close();
  await proxy?.close();
  await Promise.all([srv?.close(), site?.close()]);
});

describe.skipIf(!HAS_FIREFOX)('Firefox event page', () => {
  it(`rings after ${IDLE_MS / 1000} s of idle with a ${IDLE_TIMEOUT_MS / 1000} s idle timeout, every time (3 rounds)`, async () => {
    for (let round = 1; round <= 3; round++) {
      await nothingHappensFor(IDLE_MS);
      await ringsWithin(10);
    }
    // How: the page was never suspended while signed in (wake.ts).
    expect(await backgroundState(ff.browser)).toBe('running');
  }, 3 * (IDLE_MS + 30_000));

  it(`rings within 8 s of the network returning after a ${OUTAGE_MS / 60_000}-minute outage`, async () => {
    proxy.cut();
    await nothingHappensFor(OUTAGE_MS);
    proxy.restore();
    await ringsWithin(8);
  }, OUTAGE_MS + 60_000);
});
