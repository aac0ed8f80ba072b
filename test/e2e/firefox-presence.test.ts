/**
 * Presence in Firefox (issue 21 item 5): the add-on in headless firefox-esr (puppeteer-core
 * over WebDriver BiDi, firefox-helpers.ts), signed in as erin. She adds frank to her
 * contacts from the popup's dial field; her popup follows frank (a Node SDK client) as he
 * logs out, logs in again and says he is in a call; a stranger's row says "Status not
 * shared". Waits on the page (no sleeps).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { nodeClient, PASSWORD, startTestServer, type TestServer } from './helpers.ts';
import { FIREFOX, launchFirefox, openExtensionPage, type FirefoxProfile } from './firefox-helpers.ts';

const HAS_FIREFOX = existsSync(FIREFOX);
if (!HAS_FIREFOX && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error(`CI=true but ${FIREFOX} is missing`);

let ff: FirefoxProfile;
let srv: TestServer;
let popup: Page;

const row = (user: string, presence: string) => popup.waitForSelector(`[data-testid="contact-list"] li[data-user="${user}"][data-presence="${presence}"]`, { timeout: 15_000 });

/** Types into the dial field as a person would, whatever was in it before. */
async function typeUser(value: string): Promise<void> {
  await popup.$eval('#dial-user', (el, v) => {
    const input = el as HTMLInputElement;
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

async function addFromDialField(user: string): Promise<void> {
  await typeUser(user);
  await popup.waitForSelector('[data-testid="dial-add-contact"]', { timeout: 15_000 });
  await popup.locator('[data-testid="dial-add-contact"]').click();
  await popup.waitForSelector(`[data-testid="contact-list"] li[data-user="${user}"]`, { timeout: 15_000 });
  await typeUser('');
}

beforeAll(async () => {
  if (!HAS_FIREFOX) return;
  [srv, ff] = await Promise.all([startTestServer(), launchFirefox()]);
});

afterAll(async () => {
  await ff?.close();
  await srv?.close();
});

describe.skipIf(!HAS_FIREFOX)('presence in Firefox', () => {
  it('the popup\'s contacts follow a contact logging out, in, and into a call; a stranger shows "not shared"', async () => {
    const options = await openExtensionPage(ff.browser, 'options.html');
    await options.locator('[data-testid="server"]').fill(srv.server.url);
    await options.locator('[data-testid="user-id"]').fill('erin');
    await options.locator('[data-testid="password"]').fill(PASSWORD);
    await options.locator('[data-testid="create-account"]').click();
    await options.waitForSelector('[data-testid="status"][data-connection="online"]', { timeout: 15_000 });
    popup = await openExtensionPage(ff.browser, 'popup.html');
    await popup.waitForSelector('[data-testid="popup"]');

    let frank = await nodeClient(srv.server, 'frank');
    await frank.addContact({ userID: 'erin' });
    await addFromDialField('frank');
    await row('frank', 'online');
    await frank.logout();
    await frank.destroy();
    await row('frank', 'offline');
    frank = await nodeClient(srv.server, 'frank');
    await row('frank', 'online');
    await frank.setSelfStatus({ customStatus: 'in_call' });
    await row('frank', 'in_call');
    expect(await popup.$eval('[data-testid="contact-list"] li[data-user="frank"]', (el) => el.textContent)).toContain('In a call');

    const stranger = await nodeClient(srv.server, 'grace');
    await addFromDialField('grace');
    await row('grace', 'unknown');
    expect(await popup.$eval('[data-testid="contact-list"] li[data-user="grace"]', (el) => el.textContent)).toContain('Status not shared');
    await frank.destroy();
    await stranger.destroy();
  });
});
