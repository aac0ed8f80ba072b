/**
 * Chromium stops the extension's worker while nothing rings and no extension page is open
 * (crash, update, memory pressure; here CDP `ServiceWorker.stopAllWorkers`). The next
 * invitation must still ring: at once when the user loads a page (the page badge's
 * content script wakes the worker), and at worst when the 30 s alarm fires.
 *
 * While the worker is stopped nothing here may wake it: the page badge is read through
 * the page's DevTools DOM (not the worker), and the worker is only asked once the call
 * rang. Each invitation's `timeout` is the functional deadline: an invitation that times
 * out before the worker is back never rings (the server announces only pending ones).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  launchProfile,
  nodeClient,
  notifications,
  pageBadge,
  signInThroughOptions,
  startTestPage,
  startTestServer,
  TSignaling,
  until,
  type Profile,
  type TestServer,
} from './helpers.ts';

let srv: TestServer;
let site: Awaited<ReturnType<typeof startTestPage>>;
let bob: Profile;
let carol: Awaited<ReturnType<typeof nodeClient>>;
let web: Page;

interface Alarm {
  name: string;
  scheduledTime: number;
  periodInMinutes?: number;
}

/** Closes every extension page (the onboarding tab, options): nothing may keep the worker up. */
async function closeExtensionPages(p: Profile) {
  for (const page of p.context.pages()) if (page.url().startsWith('chrome-extension://')) await page.close();
}

interface WorkerVersion {
  scriptURL: string;
  runningStatus: string;
}

/**
 * Stops the worker the way Chromium does under memory pressure, once its keep-alive alarm
 * is at least `clearMs` away (so that only the wake-up under test can bring it back), and
 * waits until DevTools reports it stopped. (Playwright keeps its `Worker` object across a
 * stop, so the DevTools ServiceWorker domain is the witness.)
 */
async function stopWorker(p: Profile, clearMs: number): Promise<number> {
  const alarm = await until(async () => {
    const a = (await (await p.worker()).evaluate('chrome.alarms.get("ringlet-keepalive")')) as Alarm | undefined;
    return a && a.scheduledTime - Date.now() > clearMs ? a : null;
  }, `the keep-alive alarm ${clearMs} ms away`, 45_000);
  const cdp = await p.context.newCDPSession(web);
  try {
    let status = '';
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: WorkerVersion[] }) => {
      for (const v of e.versions) if (v.scriptURL.includes(p.extensionId)) status = v.runningStatus;
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await until(async () => status === 'stopped', 'the worker stopped');
  } finally {
    await cdp.detach();
  }
  return alarm.scheduledTime;
}

async function badgeTexts(page: Page): Promise<string[] | null> {
  const b = await pageBadge(page);
  return b.present ? b.texts : null;
}

beforeAll(async () => {
  [srv, site] = await Promise.all([startTestServer(), startTestPage()]);
  bob = await launchProfile('bob');
  carol = await nodeClient(srv.server, 'carol');
  await signInThroughOptions(bob, srv.server.url, 'bob', true);
  await closeExtensionPages(bob);
  web = await bob.context.newPage();
  await web.goto(site.url);
});

afterAll(async () => {
  await carol?.destroy().catch(() => undefined);
  await bob?.close();
  await Promise.all([srv?.close(), site?.close()]);
});

describe('Chromium: a worker stopped while idle', () => {
  it('keeps a 30 s alarm while signed in', async () => {
    const alarm = (await (await bob.worker()).evaluate('chrome.alarms.get("ringlet-keepalive")')) as Alarm;
    expect(alarm).toMatchObject({ name: 'ringlet-keepalive', periodInMinutes: 0.5 });
  });

  it('a page loading wakes it at once: it rings before the keep-alive alarm could have', async () => {
    // The alarm is at least 25 s away when the worker stops; the ring must come before it
    // fires (what wakes it then is the page), not within a few seconds of this machine's time.
    const alarmAt = await stopWorker(bob, 25_000);
    const page = await bob.context.newPage();
    await page.goto(site.url); // the user opens a page: its content script wakes the worker
    const inv = await carol.invite({ userID: 'bob', timeout: 20 });
    const texts = await until(() => badgeTexts(page), 'the invitation ringing in the new page', 30_000);
    expect(Date.now(), 'it rang only after the keep-alive alarm was due: the page load did not wake the worker').toBeLessThan(alarmAt);
    expect(texts).toEqual(['carol is calling']);
    // It rang while pending; it then times out into a missed call.
    await until(async () => Object.keys(await notifications(bob)).includes(`missed:${inv.inviteID}`), 'the missed call', 40_000);
    await until(async () => !(await pageBadge(page)).present, 'the page badge gone');
    await page.close();
  });

  it('with no page loading, the 30 s alarm wakes it: an invitation with a 40 s timeout rings', async () => {
    // 40 s: the alarm's 30 s period, plus the worker starting and logging in.
    await stopWorker(bob, 0);
    const rejected: string[] = [];
    carol.addSignalingListener(TSignaling.INVITEE_REJECTED, (e) => rejected.push((e.data as { inviteID: string }).inviteID));
    const inv = await carol.invite({ userID: 'bob', timeout: 40 });
    const texts = await until(() => badgeTexts(web), 'the invitation ringing after the alarm', 60_000);
    expect(texts).toEqual(['carol is calling']);
    expect(Object.keys(await notifications(bob))).toContain(`ring:${inv.inviteID}`);
    // Ringing for real: bob's answer reaches carol.
    const popup = await bob.context.newPage();
    await popup.goto(`chrome-extension://${bob.extensionId}/popup.html`);
    await popup.getByTestId('incoming').getByRole('button', { name: 'Reject' }).click();
    await until(async () => rejected.includes(inv.inviteID), 'carol hears the reject');
    await popup.close();
  });
});
