/**
 * Contacts with presence and the popup in a call (issue 21 items 5 and 6), in real headless
 * Chromium with two extension profiles (alice and bob) and Node SDK clients (carol, dave):
 *  - alice adds bob to her contacts from the dial field; her popup's contact row follows
 *    bob as he signs out, signs back in, is in a call and the call ends (his extension tells
 *    the server); a stranger's row says "Status not shared";
 *  - dialling an offline user says so and still sends: dave rings when he logs in;
 *  - alice's popup in a call mutes (her call window's microphone follows) and hangs up;
 *  - do-not-disturb shows at the top of the popup; bob sees alice as "Do not disturb";
 *  - the popup stays within Chrome's 600 px in every state measured (its own height);
 *  - axe finds nothing in light and dark; screenshots in en (and zh_CN for contacts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callWindow, launchProfile, nodeClient, openPopup, PASSWORD, signInThroughOptions, startTestServer, TSignaling, type Profile, type TestServer } from './helpers.ts';
import { checkAndShoot } from './shots.ts';

let srv: TestServer;
let alice: Profile;
let bob: Profile;
let popup: Page;
let bobOptions: Page;
const heights: Record<string, number> = {};

/** The popup's own height (what Chrome sizes its popup to), recorded under `state`. */
async function measure(page: Page, state: string): Promise<number> {
  const h = await page.locator('main.popup').evaluate((m) => m.getBoundingClientRect().height);
  heights[state] = Math.round(h);
  return h;
}

const contactRow = (user: string) => popup.locator(`[data-testid="contact-list"] li[data-user="${user}"]`);
const presenceIs = (user: string, p: string) => popup.locator(`[data-testid="contact-list"] li[data-user="${user}"][data-presence="${p}"]`).waitFor({ timeout: 15_000 });

async function signBackIn(page: Page, userID: string): Promise<void> {
  await page.getByTestId('user-id').fill(userID);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('sign-out').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="status"][data-connection="online"]').waitFor();
}

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob] = await Promise.all([launchProfile('presence-alice'), launchProfile('presence-bob')]);
  await signInThroughOptions(alice, srv.server.url, 'alice', true);
  bobOptions = await signInThroughOptions(bob, srv.server.url, 'bob', true);
  popup = await openPopup(alice);
});

afterAll(async () => {
  console.log(`popup heights (px): ${JSON.stringify(heights)}`);
  await alice?.close().catch(() => undefined);
  await bob?.close().catch(() => undefined);
  await srv?.close();
});

describe('contacts with presence', () => {
  it('alice adds bob from the dial field and sees him available, offline when he signs out, back when he signs in', async () => {
    // bob shows his presence to alice: she is his contact (he adds her from his own second device, a Node client).
    const bobNode = await nodeClient(srv.server, 'bob');
    await bobNode.addContact({ userID: 'alice' });
    await popup.getByPlaceholder('User ID').fill('bob');
    await popup.getByTestId('dial-add-contact').click();
    await contactRow('bob').waitFor();
    await bobNode.logout();
    await bobNode.destroy();
    await presenceIs('bob', 'online');
    await popup.getByPlaceholder('User ID').fill('');

    await bobOptions.getByTestId('sign-out').click();
    await presenceIs('bob', 'offline');
    expect(await contactRow('bob').innerText()).toContain('Offline');
    await signBackIn(bobOptions, 'bob');
    await presenceIs('bob', 'online');
    expect(await contactRow('bob').innerText()).toContain('Available');
  });

  it('a stranger\'s presence is never shown: "Status not shared"', async () => {
    // carol has not added alice and shares no group with her.
    const carol = await nodeClient(srv.server, 'carol');
    await popup.getByPlaceholder('User ID').fill('carol');
    await popup.getByTestId('dial-add-contact').click();
    await presenceIs('carol', 'unknown');
    expect(await contactRow('carol').innerText()).toContain('Status not shared');
    await popup.getByPlaceholder('User ID').fill('');
    await checkAndShoot(popup, 'popup-contacts-presence', { zh: true, zhReady: () => popup.getByText('未共享状态').first().waitFor() });
    expect(await measure(popup, 'contacts')).toBeLessThanOrEqual(600);
    await carol.destroy();
  });

  it('dialling an offline user says so and still sends: dave rings when he logs in', async () => {
    const dave = await nodeClient(srv.server, 'dave');
    await dave.addContact({ userID: 'alice' });
    await dave.logout();
    await dave.destroy();
    await popup.getByPlaceholder('User ID').fill('dave');
    await popup.getByTestId('dial').click();
    const notice = popup.getByTestId('notice');
    await notice.getByText('dave is offline; it will ring for dave when they come back online.').waitFor();
    await popup.locator('[data-testid="outgoing"] li').first().waitFor();
    expect(await measure(popup, 'dialling offline')).toBeLessThanOrEqual(600);
    // dave comes back while the invitation is pending (30 s): it rings for him.
    const back = await nodeClient(srv.server, 'dave');
    const rang = new Promise<string>((resolve) => back.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e: { data: { inviter: string } }) => resolve(e.data.inviter)));
    expect(await rang).toBe('alice');
    await popup.locator('[data-testid="outgoing"] li').first().waitFor();
    await checkAndShoot(popup, 'popup-dial-offline');
    await popup.locator('[data-testid="outgoing"] li button').first().click();
    await popup.locator('[data-testid="outgoing"] li').waitFor({ state: 'detached' });
    await back.destroy();
  });
});

describe('the popup in a call', () => {
  it('mutes (the call window follows), shows do-not-disturb, hangs up; stays within 600 px', async () => {
    // A log of more than eight calls first (the popup used to grow to 837 px with eight).
    const eve = await nodeClient(srv.server, 'eve');
    for (let i = 0; i < 9; i++) {
      const c = await eve.invite({ userID: 'alice', timeout: 60 });
      await eve.cancel({ inviteID: c.inviteID });
    }
    await popup.reload();
    await popup.locator('[data-testid="history"] li').nth(7).waitFor();
    await popup.getByTestId('show-more').click();
    await popup.locator('[data-testid="history"] li').nth(8).waitFor();
    expect(await measure(popup, 'idle, 10-row log')).toBeLessThanOrEqual(600);

    const bobPopup = await openPopup(bob);
    await bobPopup.getByPlaceholder('User ID').fill('alice');
    await bobPopup.getByTestId('dial').click();
    await popup.locator('[data-testid="incoming"] li.ringing button.accept').waitFor();
    expect(await measure(popup, 'ringing')).toBeLessThanOrEqual(600);
    await popup.locator('[data-testid="incoming"] li.ringing button.accept').click();
    await popup.getByTestId('active-call').waitFor();
    // bob is in a call too: his extension told the server, alice's contacts say so.
    await presenceIs('bob', 'in_call');
    expect(await contactRow('bob').innerText()).toContain('In a call');
    const win = await callWindow(alice);
    await win.locator('[data-testid="call-mute"][aria-pressed="false"]').waitFor();

    await popup.getByTestId('popup-mute').click();
    await popup.locator('[data-testid="active-call"][data-muted="true"]').waitFor();
    await win.locator('[data-testid="call-mute"][aria-pressed="true"]').waitFor();
    // And back from the call window: the popup follows.
    await win.getByTestId('call-mute').click();
    await popup.locator('[data-testid="active-call"][data-muted="false"]').waitFor();
    await popup.getByTestId('popup-mute').click();
    await popup.locator('[data-testid="active-call"][data-muted="true"]').waitFor();

    // Do not disturb on: shown in the popup, and bob (her contact) sees it from his second device.
    const bobNode = await nodeClient(srv.server, 'bob');
    const sawDnd = new Promise<void>((resolve) => bobNode.on('onUserStatusUpdated', (e: { data: Array<{ userID: string; customStatus: string }> }) => {
      if (e.data.some((s) => s.userID === 'alice' && s.customStatus === 'dnd')) resolve();
    }));
    await bobNode.subscribeUserStatus({ userIDList: ['alice'] });
    expect((await bobNode.getUserStatus({ userIDList: ['alice'] })).data.successUserList[0]).toMatchObject({ statusType: 1, customStatus: 'in_call' });
    await popup.evaluate(() => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ type: 'settings/set', patch: { doNotDisturb: true } }));
    await popup.getByTestId('dnd-bar').waitFor();
    await sawDnd;
    await bobNode.destroy();
    await checkAndShoot(popup, 'popup-in-call', { zh: true, zhReady: () => popup.getByText('勿扰模式已开启').waitFor() });
    expect(await measure(popup, 'in a call, muted, DND')).toBeLessThanOrEqual(600);

    await popup.getByTestId('hangup').click();
    await popup.getByTestId('active-call').waitFor({ state: 'detached' });
    // The call ended for bob too: back to available.
    await presenceIs('bob', 'online');
    await popup.getByTestId('dnd-off').click();
    await popup.getByTestId('dnd-bar').waitFor({ state: 'detached' });
    await bobPopup.close();
    await eve.destroy();
  });

  it('the groups screens stay within 600 px', async () => {
    const owner = await nodeClient(srv.server, 'gina');
    for (let i = 0; i < 6; i++) await owner.createGroup({ name: `Team ${i}`, memberList: ['alice', 'bob', 'carol', 'dave', 'eve'] });
    await popup.reload();
    await popup.getByTestId('open-groups').click();
    await popup.locator('[data-testid="group-list"] li').nth(5).waitFor();
    expect(await measure(popup, 'groups')).toBeLessThanOrEqual(600);
    await owner.destroy();
  });
});
