/**
 * The extension in real headless Chromium: two profiles (alice, bob) against a real
 * server; carol and bob's "second device" are Node SDK clients. The tests run in order
 * and share the browsers; each leaves no call ringing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  clickPageBadge,
  ROOT,
  launchProfile,
  nodeClient,
  notifications,
  openPopup,
  pageBadge,
  screenshotPath,
  signInThroughOptions,
  startTestPage,
  startTestServer,
  toolbarBadge,
  until,
  type Profile,
  type ShownNotification,
  type TestServer,
} from './helpers.ts';

let srv: TestServer;
let site: Awaited<ReturnType<typeof startTestPage>>;
let alice: Profile;
let bob: Profile;
let alicePopup: Page;
let bobPage: Page;
let carol: Awaited<ReturnType<typeof nodeClient>>;

const ringIds = async (p: Profile) => Object.keys(await notifications(p)).filter((id) => id.startsWith('ring:'));

/** Waits until nothing rings at bob's any more (between tests). */
async function bobIsIdle() {
  await until(async () => (await ringIds(bob)).length === 0 && (await toolbarBadge(bob)) === '' && !(await pageBadge(bobPage)).present, 'bob idle');
}

beforeAll(async () => {
  [srv, site] = await Promise.all([startTestServer(), startTestPage()]);
  [alice, bob] = await Promise.all([launchProfile('alice'), launchProfile('bob')]);
  carol = await nodeClient(srv.server, 'carol');
});

afterAll(async () => {
  await carol?.destroy().catch(() => undefined);
  await Promise.all([alice?.close(), bob?.close()]);
  await Promise.all([srv?.close(), site?.close()]);
});

describe('Chromium', () => {
  it('pins the extension id with the manifest key', () => {
    expect(alice.extensionId).toBe('ehaljjnfgljbbnnkhenhbhfpbgkddjlf');
  });

  it('creates accounts and signs in through the options page', async () => {
    const [a, b] = await Promise.all([
      signInThroughOptions(alice, srv.server.url, 'alice', true),
      signInThroughOptions(bob, srv.server.url, 'bob', true),
    ]);
    await Promise.all([a.close(), b.close()]);
    alicePopup = await openPopup(alice);
    bobPage = await bob.context.newPage();
    await bobPage.goto(site.url);
    expect(await pageBadge(bobPage)).toMatchObject({ present: false });
  });

  it('alice dials bob from the popup; bob gets a notification, toolbar badge and page badge, and accepts from the page', async () => {
    await alicePopup.getByPlaceholder('User ID').fill('bob');
    await alicePopup.getByTestId('dial').click();
    await alicePopup.getByTestId('outgoing').getByText('Calling bob…').waitFor();
    await alicePopup.getByTestId('countdown').waitFor();

    const ids = await until(async () => ((await ringIds(bob)).length === 1 ? ringIds(bob) : null), 'bob notification');
    const shown = (await notifications(bob))[ids[0]!]!;
    expect(shown).toMatchObject({ title: 'Incoming call from alice', buttons: ['Accept', 'Reject'] });
    expect(await toolbarBadge(bob)).toBe('1');
    const badge = await until(async () => ((await pageBadge(bobPage)).present ? pageBadge(bobPage) : null), 'page badge');
    expect(badge.texts).toEqual(['alice is calling']);
    expect(badge.buttons.map((b) => b.label)).toEqual(['Accept', 'Reject', 'Silence']);

    await bobPage.screenshot({ path: screenshotPath('page-badge.png'), clip: { x: 440, y: 0, width: 460, height: 70 } });
    await renderNotification(bob, shown);

    // A page script can neither see inside the badge nor press its buttons.
    const seen = await bobPage.evaluate(() => {
      const host = document.querySelector('ringlet-badge')!;
      host.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return { shadow: host.shadowRoot, text: host.textContent };
    });
    expect(seen).toEqual({ shadow: null, text: '' });

    await clickPageBadge(bobPage, 'accept');
    await alicePopup.getByTestId('active-call').getByText('bob', { exact: true }).waitFor();
    await until(async () => !(await pageBadge(bobPage)).present, 'page badge gone after accept');
    expect(await ringIds(bob)).toEqual([]);
    expect(await toolbarBadge(bob)).toBe('');
    await alicePopup.locator('main.popup').screenshot({ path: screenshotPath('popup-in-call.png') });

    // Alice hangs up (the seed's end-of-call invitation): bob's call ends too.
    await alicePopup.getByTestId('hangup').click();
    const bobPopup = await openPopup(bob);
    await bobPopup.getByTestId('notice').getByText('alice hung up.').waitFor();
    await bobPopup.locator('[data-testid="history"] li[data-outcome="answered"]').first().waitFor();
    await bobPopup.close();
  });

  it('bob rejects from the popup; alice is told', async () => {
    await alicePopup.getByPlaceholder('User ID').fill('bob');
    await alicePopup.getByTestId('dial').click();
    const bobPopup = await openPopup(bob);
    await bobPopup.getByTestId('incoming').getByRole('button', { name: 'Reject' }).click();
    await alicePopup.getByTestId('notice').getByText('bob rejected the call.').waitFor();
    await bobIsIdle();
    await bobPopup.close();
  });

  it('alice cancels; bob stops ringing everywhere', async () => {
    await alicePopup.getByPlaceholder('User ID').fill('bob');
    await alicePopup.getByTestId('dial').click();
    await until(async () => (await pageBadge(bobPage)).present, 'page badge');
    await alicePopup.getByTestId('outgoing').getByRole('button', { name: 'Cancel' }).click();
    await bobIsIdle();
  });

  it('an unanswered call times out into a missed call, counted until seen', async () => {
    // Long enough that the ring is still there when a loaded machine gets to look (2 s was
    // a race between the ring showing, this poll, and the deadline).
    await carol.invite({ userID: 'bob', timeout: 8 });
    await until(async () => (await ringIds(bob)).length === 1, 'ring');
    const missed = await until(
      async () => Object.keys(await notifications(bob)).find((id) => id.startsWith('missed:')),
      'missed-call notification',
      30_000,
    );
    expect((await notifications(bob))[missed]).toMatchObject({ title: 'Missed call', message: 'Missed call from carol' });
    expect(await ringIds(bob)).toEqual([]);
    expect(await toolbarBadge(bob)).toBe('1');
    const bobPopup = await openPopup(bob);
    await bobPopup.locator('[data-testid="history"] li[data-outcome="missed"]').first().waitFor();
    await until(async () => (await toolbarBadge(bob)) === '', 'missed count cleared when seen');
    await bobPopup.close();
  });

  it("caller identity: the notification names the authenticated caller, push text adds a line, and disablePush does not silence a live ring", async () => {
    const titled = await carol.invite({ userID: 'bob', offlinePushInfo: { title: 'Incoming call from Mom', description: 'Standup call' } });
    const quiet = await carol.invite({ userID: 'bob', offlinePushInfo: { disablePush: true } });
    await until(async () => (await toolbarBadge(bob)) === '2', 'two ringing');
    const all = await until(async () => {
      const n = await notifications(bob);
      return Object.keys(n).filter((id) => id.startsWith('ring:')).length === 2 ? n : null;
    }, 'two ring notifications');
    expect(all[`ring:${titled.inviteID}`]).toMatchObject({ title: 'Incoming call from carol', message: 'Audio call\ncarol adds: “Incoming call from Mom · Standup call”' });
    expect(all[`ring:${quiet.inviteID}`]).toMatchObject({ title: 'Incoming call from carol', message: 'Audio call' });
    const badge = await pageBadge(bobPage);
    expect(badge.texts).toEqual(['carol is calling', 'carol is calling']);
    await carol.cancel({ inviteID: titled.inviteID });
    await carol.cancel({ inviteID: quiet.inviteID });
    await bobIsIdle();
  });

  it('answering on bob\'s other device stops the ring here ("answered on another device")', async () => {
    const bob2 = await nodeClient(srv.server, 'bob');
    try {
      const inv = await carol.invite({ userID: 'bob' });
      await until(async () => (await ringIds(bob)).length === 1, 'ring');
      await bob2.accept({ inviteID: inv.inviteID });
      await bobIsIdle();
      const bobPopup = await openPopup(bob);
      await bobPopup.getByTestId('notice').getByText('Answered on another device.').waitFor();
      await bobPopup.close();
    } finally {
      await bob2.destroy();
    }
  });

  it('a worker stopped while ringing comes back still ringing, once', async () => {
    const inv = await carol.invite({ userID: 'bob', timeout: 60 });
    await until(async () => (await ringIds(bob)).length === 1, 'ring');
    const cdp = await bob.context.newCDPSession(bobPage);
    // DevTools is the witness of the stop (Playwright keeps its Worker object across it).
    let stopped = false;
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ scriptURL: string; runningStatus: string }> }) => {
      if (e.versions.some((v) => v.scriptURL.includes(bob.extensionId) && v.runningStatus === 'stopped')) stopped = true;
    });
    await cdp.send('ServiceWorker.enable');
    await (await bob.worker()).evaluate('self.__beforeStop = true');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await until(async () => stopped, 'the worker stopped');
    const worker = await bob.worker(); // woken again (by a port from an extension page if need be)
    expect(await worker.evaluate('self.__beforeStop')).toBeUndefined(); // a new worker instance
    await until(async () => {
      const state = (await worker.evaluate('chrome.storage.session.get("callState")')) as { callState?: { calls: unknown[] } };
      return state.callState?.calls.length === 1;
    }, 'state restored');
    // Barrier: the worker handles the SDK's events in order, so once a later invitation
    // rings, the re-announcement of the first one (at login) has been handled too.
    const dave = await nodeClient(srv.server, 'dave');
    const later = await dave.invite({ userID: 'bob', timeout: 60 });
    await until(async () => (await ringIds(bob)).includes(`ring:${later.inviteID}`), 'later invitation rings');
    expect((await ringIds(bob)).sort()).toEqual([`ring:${inv.inviteID}`, `ring:${later.inviteID}`].sort());
    await dave.cancel({ inviteID: later.inviteID });
    await dave.destroy();
    await until(async () => (await ringIds(bob)).length === 1 && (await toolbarBadge(bob)) === '1', 'later invitation gone');
    expect(await ringIds(bob)).toEqual([`ring:${inv.inviteID}`]);
    expect(await toolbarBadge(bob)).toBe('1');
    expect((await pageBadge(bobPage)).texts).toEqual(['carol is calling']);
    const offscreen = (await worker.evaluate('chrome.runtime.getContexts({ contextTypes: ["OFFSCREEN_DOCUMENT"] })')) as unknown[];
    expect(offscreen).toHaveLength(1); // one ringtone
    await cdp.detach();
    await carol.cancel({ inviteID: inv.inviteID });
    await bobIsIdle();
  });
});

/**
 * Headless Chromium draws no system notifications, so the documentation's picture of
 * one is rendered from what `chrome.notifications.getAll()` returned for it.
 */
async function renderNotification(p: Profile, n: ShownNotification) {
  const page = await p.context.newPage();
  await page.setViewportSize({ width: 380, height: 140 });
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  await page.setContent(`<body style="margin:0;font:13px system-ui;background:#e8eaed">
    <div style="margin:10px;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.3);padding:12px;display:flex;gap:12px">
      <img src="data:image/png;base64,${readFileSync(join(ROOT, 'public/icon/128.png')).toString('base64')}" width="40" height="40">
      <div style="flex:1"><div style="font-weight:600">${esc(n.title)}</div><div style="color:#5f6368">${esc(n.message)}</div>
      <div style="margin-top:8px;display:flex;gap:16px;color:#1a73e8;font-weight:600">${n.buttons.map((b) => `<span>${esc(b)}</span>`).join('')}</div></div>
    </div></body>`);
  await page.screenshot({ path: screenshotPath('notification.png') });
  await page.close();
}
