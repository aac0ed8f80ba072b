/**
 * Blocks, contacts and group consent as a person meets them in the extension (issue 17), in
 * real headless Chromium against a server that asks for consent: block a caller from the
 * ringing card (the call is declined, the caller is refused from then on without ringing),
 * unblock on the options page's "Blocked" list, add a caller to the contacts from the call
 * log and remove them on the options page, and join or decline group invitations in the
 * popup. axe-core finds no WCAG 2.1 AA violation on these screens, light and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeViolations, launchProfile, nodeClient, openPopup, screenshotPath, signInThroughOptions, startTestServer, until, type Profile, type TestServer } from './helpers.ts';

let srv: TestServer;
let alice: Profile;
let options: Page;
let popup: Page;
/** Alice's second device (a Node client): what the server holds for her. */
let aliceNode: Awaited<ReturnType<typeof nodeClient>>;
let bob: Awaited<ReturnType<typeof nodeClient>>;
let carol: Awaited<ReturnType<typeof nodeClient>>;
let dave: Awaited<ReturnType<typeof nodeClient>>;

async function shootBoth(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await axeViolations(page);
    expect(violations, `${name} (${scheme}): ${JSON.stringify(violations)}`).toEqual([]);
    const file = screenshotPath(`${name}${scheme === 'dark' ? '-dark' : ''}.png`);
    const main = page.locator('main.popup');
    if (await main.count()) await main.screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function reload(page: Page, testid: string) {
  await page.reload();
  await page.getByTestId(testid).waitFor();
}

beforeAll(async () => {
  srv = await startTestServer({ groupConsent: true });
  alice = await launchProfile('people-alice');
  options = await signInThroughOptions(alice, srv.server.url, 'alice', true);
  [aliceNode, bob, carol, dave] = await Promise.all([nodeClient(srv.server, 'alice'), nodeClient(srv.server, 'bob'), nodeClient(srv.server, 'carol'), nodeClient(srv.server, 'dave')]);
  popup = await openPopup(alice);
});

afterAll(async () => {
  for (const c of [aliceNode, bob, carol, dave]) await c?.destroy().catch(() => undefined);
  await alice?.close().catch(() => undefined);
  await srv?.close();
});

describe('blocks', () => {
  it('blocks a caller from the ringing card: the call is declined and the caller is refused from then on, without ringing', async () => {
    const call = await bob.invite({ userID: 'alice', timeout: 60 });
    const card = popup.locator(`[data-testid="incoming"] li.ringing[data-invite-id="${call.inviteID}"]`);
    await card.waitFor();
    await shootBoth(popup, 'popup-ringing-block');
    await card.getByTestId('block-caller').click();
    await card.waitFor({ state: 'detached' });
    await until(async () => ((await aliceNode.getBlacklist()).data.includes('bob') ? true : null), 'bob on the block list');
    const refused = await bob.invite({ userID: 'alice', timeout: 60 }).then(
      () => null,
      (e: { code: number; reason: string }) => `${e.code}:${e.reason}`,
    );
    expect(refused).toBe('8040:pending_invitations');
    expect(await popup.locator('[data-testid="incoming"] li').count()).toBe(0);
  });

  it('the options page lists the blocked; unblocking lets them ring again', async () => {
    await reload(options, 'blocked');
    const row = options.locator('[data-testid="blocked"] li[data-user-id="bob"]');
    await row.waitFor();
    await shootBoth(options, 'options-people');
    await row.getByTestId('unblock').click();
    await row.waitFor({ state: 'detached' });
    expect((await aliceNode.getBlacklist()).data).toEqual([]);
    const call = await bob.invite({ userID: 'alice', timeout: 60 });
    const card = popup.locator(`li.ringing[data-invite-id="${call.inviteID}"]`);
    await card.waitFor();
    await bob.cancel({ inviteID: call.inviteID });
    await card.waitFor({ state: 'detached' });
  });
});

describe('contacts', () => {
  it('adds a caller from the call log, shows them as a contact, and removes them on the options page', async () => {
    const call = await carol.invite({ userID: 'alice', timeout: 60 });
    await popup.locator(`li.ringing[data-invite-id="${call.inviteID}"]`).waitFor();
    await carol.cancel({ inviteID: call.inviteID });
    await reload(popup, 'history');
    const row = popup.locator('[data-testid="history"] li', { hasText: 'carol' }).first();
    await row.getByTestId('add-contact').click();
    await row.locator('.peer-tag').waitFor();
    expect((await aliceNode.getContactList()).data.contactList).toEqual(['carol']);
    await shootBoth(popup, 'popup-call-log-people');

    await reload(options, 'contacts');
    const entry = options.locator('[data-testid="contacts"] li[data-user-id="carol"]');
    await entry.waitFor();
    await entry.getByTestId('remove-contact').click();
    await entry.waitFor({ state: 'detached' });
    expect((await aliceNode.getContactList()).data.contactList).toEqual([]);
  });

  it('a contact\'s group add takes effect at once (no invitation)', async () => {
    await aliceNode.addContact({ userID: 'dave' });
    const res = await dave.createGroup({ groupID: 'friends', name: 'Friends', memberList: ['alice'] });
    expect(res.data.invitedUserIDList).toEqual([]);
    expect((await aliceNode.getGroupList()).data.groupList.map((g) => g.groupID)).toContain('friends');
    await aliceNode.removeContact({ userID: 'dave' });
  });
});

describe('group consent', () => {
  it('shows group invitations in the popup; Join makes me a member, Decline does not', async () => {
    expect((await dave.createGroup({ groupID: 'club', name: 'Book club', memberList: ['alice'] })).data.invitedUserIDList).toEqual(['alice']);
    expect((await dave.createGroup({ groupID: 'spam', name: 'Offers', memberList: ['alice'] })).data.invitedUserIDList).toEqual(['alice']);
    const mine = async () => (await aliceNode.getGroupList()).data.groupList.map((g) => g.groupID);
    expect(await mine()).not.toContain('club');
    await reload(popup, 'group-invitations');
    await shootBoth(popup, 'popup-group-invitations');
    await popup.locator('[data-testid="group-invitations"] li[data-group-id="club"]').getByTestId('join-group').click();
    await popup.locator('li[data-group-id="club"]').waitFor({ state: 'detached' });
    await until(async () => ((await mine()).includes('club') ? true : null), 'alice in the club');
    await popup.locator('li[data-group-id="spam"]').getByTestId('decline-group').click();
    await popup.getByTestId('group-invitations').waitFor({ state: 'detached' });
    expect(await mine()).not.toContain('spam');
    expect((await aliceNode.getGroupInvitationList()).data.invitationList).toEqual([]);
  });
});
