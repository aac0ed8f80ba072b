/**
 * Groups from the popup (Chromium, the built extension, a real server): alice creates a
 * group with a member picked from the suggestions, adds and removes members, joins a
 * public group by its ID and is refused a private one in words, calls a group from its
 * row, leaves a group and dismisses her own. What the popup says is checked against what
 * the server then answers to the other members (Node SDK clients). axe on every new
 * screen, light and dark, and screenshots of each (and in Simplified Chinese).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, nodeClient, openPopup, signInThroughOptions, startTestServer, TSignaling, until, type Profile, type TestServer } from './helpers.ts';
import { checkAndShoot } from './shots.ts';

let srv: TestServer;
let alice: Profile;
let popup: Page;
let bob: Awaited<ReturnType<typeof nodeClient>>;
let carol: Awaited<ReturnType<typeof nodeClient>>;

const groupRow = (name: string) => popup.locator('[data-testid="group-list"] > li').filter({ has: popup.getByTestId('group-name-label').getByText(name, { exact: true }) });
const status = () => popup.getByTestId('groups-status');
async function says(text: string) {
  await until(async () => ((await status().textContent()) ?? '').includes(text) || undefined, `the popup to say "${text}"`);
}
async function groupIDs(c: typeof bob): Promise<string[]> {
  return (await c.getGroupList()).data.groupList.map((g) => g.name);
}

describe('groups in the popup', () => {
  beforeAll(async () => {
    srv = await startTestServer();
    for (const u of ['bob', 'carol', 'dave']) await srv.server.userSig(u);
    alice = await launchProfile('groups-alice');
    await (await signInThroughOptions(alice, srv.server.url, 'alice', true)).close();
    bob = await nodeClient(srv.server, 'bob');
    carol = await nodeClient(srv.server, 'carol');
    // A 1:1 call in alice's log makes dave a recent contact (the member suggestions).
    const d = await nodeClient(srv.server, 'dave');
    const inv = await d.invite({ userID: 'alice', data: JSON.stringify({ version: 1, roomID: 'r', callType: 'audio' }), timeout: 30 });
    await d.cancel({ inviteID: inv.inviteID });
    await d.destroy();
    popup = await openPopup(alice);
    await popup.locator('[data-testid="status"][data-connection="online"]').waitFor({ timeout: 15_000 });
  }, 120_000);

  afterAll(async () => {
    await bob?.destroy().catch(() => undefined);
    await carol?.destroy().catch(() => undefined);
    await alice?.close().catch(() => undefined);
    await srv?.close();
  });

  it('creates a group with a member picked from the suggestions; the member has it', async () => {
    await popup.getByTestId('open-groups').click();
    await popup.getByTestId('no-groups').waitFor();
    await checkAndShoot(popup, 'popup-groups-empty');
    await popup.getByTestId('new-group').click();
    await popup.getByTestId('group-name').fill('Design team');
    // A recent caller is suggested: typing "da", ArrowDown, Enter adds dave.
    await popup.getByTestId('create-people').fill('da');
    await popup.getByTestId('create-people-suggestions').locator('[data-user="dave"]').waitFor();
    await popup.getByTestId('create-people').press('ArrowDown');
    await popup.getByTestId('create-people').press('Enter');
    // A typed ID with Enter.
    await popup.getByTestId('create-people').fill('bob');
    await popup.getByTestId('create-people').press('Enter');
    await popup.locator('.chips [data-user="bob"]').waitFor();
    await popup.locator('.chips [data-user="dave"]').waitFor();
    await checkAndShoot(popup, 'popup-groups-create', { zh: true });
    await popup.getByTestId('create-group').click();
    await says('Created Design team.');
    expect(await groupRow('Design team').getByTestId('group-role').textContent()).toBe('Owner');
    expect(await groupIDs(bob)).toContain('Design team');
  });

  it('adds and removes members; removal reaches the removed member', async () => {
    const row = groupRow('Design team');
    // Created groups open their members at once.
    await row.getByTestId('members').locator('[data-user="bob"]').waitFor();
    expect(await row.locator('[data-testid="members"] [data-user="alice"]').getAttribute('data-role')).toBe('Owner');
    await row.getByTestId('add-people').fill('carol');
    await row.getByTestId('add-people').press('Enter');
    await row.getByTestId('add-members').click();
    await says('Added or invited: carol.');
    await row.getByTestId('members').locator('[data-user="carol"]').waitFor();
    expect(await groupIDs(carol)).toContain('Design team');
    await checkAndShoot(popup, 'popup-groups-members', { zh: true });

    await row.locator('[data-testid="members"] [data-user="dave"]').getByTestId('remove-member').click();
    await says('Removed dave.');
    await until(async () => ((await row.getByTestId('members').locator('[data-user="dave"]').count()) === 0) || undefined, 'dave to leave the list');
    const daveClient = await nodeClient(srv.server, 'dave');
    expect(await groupIDs(daveClient)).not.toContain('Design team');
    await daveClient.destroy();
  });

  it('refuses in words: an unknown user, and joining a private group by ID', async () => {
    const row = groupRow('Design team');
    await row.getByTestId('add-people').fill('nobody');
    await row.getByTestId('add-people').press('Enter');
    await row.getByTestId('add-members').click();
    await until(async () => ((await popup.getByTestId('groups-error').textContent()) ?? '').includes('No such user') || undefined, 'the refusal of an unknown user');
    await row.locator('.chips [data-user="nobody"] button').click();

    const priv = (await bob.createGroup({ name: 'Bob private', type: 'Private' })).data.group;
    await popup.getByTestId('join-by-id').click();
    await popup.getByTestId('join-group-id').fill(priv.groupID);
    await popup.getByTestId('join-group').click();
    const error = popup.getByTestId('groups-error');
    await until(async () => ((await error.textContent()) ?? '').includes('cannot be joined by ID') || undefined, 'the refusal of a private group');
    await checkAndShoot(popup, 'popup-groups-refused');
  });

  it('joins a public group by its ID, and leaves it', async () => {
    const pub = (await bob.createGroup({ name: 'Book club', type: 'Public' })).data.group;
    await popup.getByTestId('join-group-id').fill(pub.groupID);
    await popup.getByTestId('join-group').click();
    await says('You joined Book club.');
    const row = groupRow('Book club');
    expect(await row.getByTestId('group-role').textContent()).toBe('Member');
    // A member sees no remove buttons and no dismiss.
    await row.getByTestId('members').locator('[data-user="bob"]').waitFor();
    expect(await row.getByTestId('remove-member').count()).toBe(0);
    expect(await row.getByTestId('dismiss-group').count()).toBe(0);
    expect((await bob.getGroupMemberList({ groupID: pub.groupID })).data.memberList.map((m) => m.userID)).toContain('alice');

    await row.getByTestId('leave-group').click();
    await checkAndShoot(popup, 'popup-groups-confirm');
    await row.getByTestId('confirm-depart').click();
    await says('You left Book club.');
    expect(await groupRow('Book club').count()).toBe(0);
    expect((await bob.getGroupMemberList({ groupID: pub.groupID })).data.memberList.map((m) => m.userID)).not.toContain('alice');
  });

  it('calls a group from its row: every other member is invited', async () => {
    const heard: Array<{ inviteID: string; groupID: string; inviteeList: string[] }> = [];
    carol.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e) => heard.push(e.data as (typeof heard)[number]));
    await groupRow('Design team').getByTestId('group-audio').click();
    // The popup goes home and shows the call going out.
    await popup.locator('[data-testid="outgoing"] li').waitFor();
    const inv = await until(async () => heard[0], 'the group call at carol');
    expect([...inv.inviteeList].sort()).toEqual(['bob', 'carol']);
    await popup.locator('[data-testid="outgoing"] li button').click();
    await popup.locator('[data-testid="outgoing"]').waitFor({ state: 'detached' });
  });

  it('dismisses a group it owns; the members lose it', async () => {
    await popup.getByTestId('open-groups').click();
    const row = groupRow('Design team');
    await row.getByTestId('group-members-toggle').click();
    await row.getByTestId('dismiss-group').click();
    await row.getByTestId('confirm-depart').click();
    await says('Design team was dismissed.');
    expect(await groupRow('Design team').count()).toBe(0);
    expect(await groupIDs(carol)).not.toContain('Design team');
    expect(await groupIDs(bob)).not.toContain('Design team');
  });
});
