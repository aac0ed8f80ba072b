/**
 * Call waiting that holds, hold and resume, in real Chromium with fake devices: alice, bob
 * and carol against a real server. bob is in a call with alice when carol calls: the toast
 * over bob's call, Hold and accept (alice's window says bob holds her; inbound RTP bytes say
 * carol's call carries media and alice's is still), a switch, ending one call and resuming
 * the other on the same peer connection; End and accept (the ended party reads why);
 * Decline; "Let it ring" (it rings as a call, not as call waiting); audio → video; hold kept across a worker restart. axe light and
 * dark on the toast, both hold windows and the popup with a waiting call; screenshots
 * (RINGLET_SCREENSHOTS=docs writes them to docs/screenshots).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  axeViolations,
  callWindow,
  launchProfile,
  notifications,
  popupsFor,
  screenshotPath,
  signInThroughOptions,
  startTestServer,
  until,
  type Profile,
  type RtcSample,
  type TestServer,
} from './helpers.ts';

let srv: TestServer;
let alice: Profile;
let bob: Profile;
let carol: Profile;
let bobOptions: Page;
const { popup, dial } = popupsFor();

/** Samples of every call session of a window (the current call's and those on hold), by peer. */
async function samples(page: Page): Promise<Record<string, RtcSample>> {
  return page.evaluate(async () => {
    const calls = (globalThis as unknown as { __ringletCalls?: { all: Map<string, { samples(): Promise<Record<string, RtcSample>> }> } }).__ringletCalls;
    const out: Record<string, RtcSample> = {};
    for (const s of calls?.all.values() ?? []) Object.assign(out, await s.samples());
    return out;
  });
}

async function grows(page: Page, peer: string, field: keyof RtcSample, by = 500): Promise<number> {
  const first = (await until(async () => (await samples(page))[peer], `${peer} stats`))[field] as number;
  return until(async () => {
    const now = (await samples(page))[peer]?.[field] as number;
    return now > first + by ? now : null;
  }, `${field} from ${peer} growing`, 15_000);
}

/** `field` of `peer` in `page` stands still while a reference flow elsewhere grows (no fixed wait). */
async function stillWhile(page: Page, peer: string, field: keyof RtcSample, ref: { page: Page; peer: string; field: keyof RtcSample }, by = 3000): Promise<number> {
  return until(async () => {
    const a = (await samples(page))[peer]![field] as number;
    await grows(ref.page, ref.peer, ref.field, by);
    const b = (await samples(page))[peer]![field] as number;
    return a === b ? b : null;
  }, `${field} of ${peer} still while ${ref.field} of ${ref.peer} grows`, 40_000);
}

async function connected(page: Page, user: string) {
  await page.locator(`[data-testid="peer-tile"][data-user="${user}"][data-connection="connected"]`).waitFor({ timeout: 20_000 });
}

async function ended(page: Page, notice: string) {
  await page.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 15_000 });
  expect(await page.getByTestId('call-ended-notice').textContent()).toBe(notice);
}

async function axeBoth(page: Page, what: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeViolations(page), `${what} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Offscreen documents of bob's extension: Chrome's ringtone plays in one. */
async function ringtonePlaying(): Promise<boolean> {
  const w = await bob.worker();
  return w.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length > 0);
}

async function whileInCall(value: 'busy' | 'waiting' | 'ring') {
  await bobOptions.getByTestId('setting-whileInCall').selectOption(value);
  await until(async () => {
    const p = await popup(bob);
    await p.reload();
    await p.getByTestId('popup').waitFor();
    const w = await bob.worker();
    const s = (await w.evaluate('chrome.storage.local.get(null)')) as Record<string, unknown>;
    return JSON.stringify(s).includes(`"whileInCall":"${value}"`) ? true : null;
  }, `whileInCall ${value} saved`);
}

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([launchProfile('alice'), launchProfile('bob'), launchProfile('carol')]);
  const pages = await Promise.all([
    signInThroughOptions(alice, srv.server.url, 'alice', true),
    signInThroughOptions(bob, srv.server.url, 'bob', true),
    signInThroughOptions(carol, srv.server.url, 'carol', true),
  ]);
  bobOptions = pages[1]!;
  await Promise.all([pages[0]!.close(), pages[2]!.close()]);
  await whileInCall('waiting');
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close(), carol?.close()].map((p) => p?.catch(() => undefined)));
  await srv?.close();
});

describe('call waiting that holds', () => {
  let aCall: Page;
  let bCall: Page;
  let cCall: Page;
  let aliceHeldAt = 0;

  it('shows a second call as a toast over the call and in the popup, with Hold and accept, End and accept, Decline — quietly', async () => {
    await dial(alice, 'bob', 'audio');
    await (await popup(bob)).getByTestId('incoming').getByRole('button', { name: 'Accept' }).click();
    [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
    await Promise.all([connected(aCall, 'bob'), connected(bCall, 'alice')]);
    await Promise.all([grows(aCall, 'bob', 'inAudioBytes'), grows(bCall, 'alice', 'inAudioBytes')]);

    await dial(carol, 'bob', 'audio');
    const toast = bCall.getByTestId('waiting-toast');
    await toast.waitFor();
    expect(await toast.textContent()).toContain('carol is calling you');
    for (const id of ['waiting-hold-accept', 'waiting-end-accept', 'waiting-decline']) expect(await toast.getByTestId(id).isVisible()).toBe(true);
    await bCall.screenshot({ path: screenshotPath('call-waiting.png') });
    await axeBoth(bCall, 'call window with a waiting call');

    const bp = await popup(bob);
    await bp.reload();
    await bp.getByTestId('popup-waiting-answers').waitFor();
    expect(await bp.getByTestId('incoming').getByRole('button', { name: 'Accept', exact: true }).count()).toBe(0);
    // keyboard users land on the answer that keeps the current call
    await until(async () => (await bp.evaluate(() => document.activeElement?.getAttribute('data-testid'))) === 'popup-waiting-hold-accept' || null, 'focus on Hold and accept');
    await bp.screenshot({ path: screenshotPath('popup-call-waiting.png') });
    await axeBoth(bp, 'popup with a waiting call');
    // call waiting is quiet: its notification says so (no ringtone: calls.ts ringingCalls leaves it out)
    const shown = await until(async () => Object.values(await notifications(bob)).find((n) => n.title.includes('carol')) ?? null, "carol's notification");
    expect(shown.message).toBe('Call waiting');
    expect(await ringtonePlaying()).toBe(false);
  });

  it('Hold and accept: carol carries media, alice is held both ways on the same connection, and both windows say who holds', async () => {
    await bCall.getByTestId('waiting-hold-accept').click();
    cCall = await callWindow(carol);
    await Promise.all([connected(bCall, 'carol'), connected(cCall, 'bob')]);
    await aCall.getByTestId('hold-banner').getByText('bob put you on hold').waitFor();
    await bCall.getByTestId('held-call').getByText('alice').waitFor();
    // bob hears carol, not alice; alice hears nothing of bob
    aliceHeldAt = await stillWhile(bCall, 'alice', 'inAudioBytes', { page: bCall, peer: 'carol', field: 'inAudioBytes' });
    await stillWhile(aCall, 'bob', 'inAudioBytes', { page: cCall, peer: 'bob', field: 'inAudioBytes' });
    await aCall.screenshot({ path: screenshotPath('call-hold-peer.png') });
    await axeBoth(aCall, 'held call window');
    await axeBoth(bCall, 'call window with a call on hold');
  });

  it('switching holds carol and resumes alice without a new connection (the byte counters go on)', async () => {
    await bCall.getByTestId('held-resume').click();
    await cCall.getByTestId('hold-banner').getByText('bob put you on hold').waitFor();
    await connected(bCall, 'alice');
    const resumed = await grows(bCall, 'alice', 'inAudioBytes');
    expect(resumed).toBeGreaterThan(aliceHeldAt);
    await grows(aCall, 'bob', 'inAudioBytes');
    await stillWhile(bCall, 'carol', 'inAudioBytes', { page: bCall, peer: 'alice', field: 'inAudioBytes' });
    // alice's banner goes when her worker hears of the resume, which may be after bob's media arrives
    await aCall.getByTestId('hold-banner').waitFor({ state: 'detached' });
  });

  it('ending the current call brings the held one forward, still held, until Resume', async () => {
    await bCall.getByTestId('call-hangup').click();
    await ended(aCall, 'bob hung up.');
    await bCall.getByTestId('hold-banner').getByText('You put carol on hold').waitFor();
    await bCall.screenshot({ path: screenshotPath('call-hold-mine.png') });
    await axeBoth(bCall, 'my call on hold');
    const held = (await samples(bCall)).carol!.inAudioBytes;
    await bCall.getByTestId('hold-resume').click();
    expect(await grows(bCall, 'carol', 'inAudioBytes')).toBeGreaterThan(held);
    await grows(cCall, 'bob', 'inAudioBytes');
    await aCall.close();
  });

  it('End and accept ends the current call and its peer reads why', async () => {
    await dial(alice, 'bob', 'audio');
    await bCall.getByTestId('waiting-toast').waitFor();
    await bCall.getByTestId('waiting-end-accept').click();
    await ended(cCall, 'bob ended the call to take another call.');
    aCall = await callWindow(alice);
    await Promise.all([connected(aCall, 'bob'), connected(bCall, 'alice')]);
    await grows(bCall, 'alice', 'inAudioBytes');
    await cCall.close();
  });

  it('Decline rejects the waiting call and leaves the current one alone', async () => {
    await dial(carol, 'bob', 'audio');
    await bCall.getByTestId('waiting-toast').waitFor();
    await bCall.getByTestId('waiting-decline').click();
    await (await popup(carol)).locator('[data-testid="notice"][data-key="noticeRejected"]').getByText('bob rejected the call.').waitFor();
    await (await popup(carol)).getByTestId('outgoing').waitFor({ state: 'detached' });
    // carol can hear of the rejection before bob's window hears of its own answer
    await bCall.getByTestId('waiting-toast').waitFor({ state: 'detached' });
    await grows(bCall, 'alice', 'inAudioBytes');
  });

  it('switches the running audio call to video: bob receives alice\'s video on the same connection', async () => {
    const before = (await samples(bCall)).alice!.inAudioBytes;
    await aCall.getByTestId('call-camera').click();
    await grows(bCall, 'alice', 'inVideoBytes', 5000);
    expect((await samples(bCall)).alice!.inAudioBytes).toBeGreaterThan(before);
    await aCall.getByTestId('call-camera').click();
    await stillWhile(bCall, 'alice', 'inVideoBytes', { page: bCall, peer: 'alice', field: 'inAudioBytes' });
  });

  it("'Let it ring' rings a second call as usual (a notification), with the same three answers", async () => {
    await whileInCall('ring');
    await dial(carol, 'bob', 'audio');
    await bCall.getByTestId('waiting-toast').waitFor();
    // it rings like any call: its notification says "Audio call", not "Call waiting"
    const shown = await until(async () => Object.values(await notifications(bob)).find((n) => n.title.includes('carol')) ?? null, "carol's notification");
    expect(shown.message).toBe('Audio call');
    await until(async () => (await ringtonePlaying()) || null, 'the ringtone playing over the call');
    await bCall.getByTestId('waiting-decline').click();
    await until(async () => !(await ringtonePlaying()) || null, 'the ringtone stopped');
    await whileInCall('waiting');
  });

  it('hold from the popup survives a worker restart: the held state comes back from storage and the server, and resume needs no re-dial', async () => {
    const bp = await popup(bob);
    await bp.reload();
    await bp.getByTestId('popup-hold').click();
    await aCall.getByTestId('hold-banner').getByText('bob put you on hold').waitFor();
    // alice's banner can show a packet or two before bob's window stops sending: the held
    // value is taken once bob's window holds too and every byte it sent has arrived.
    await bCall.getByTestId('hold-banner').getByText('You put alice on hold').waitFor();
    const heldAt = await until(async () => {
      const sent = (await samples(bCall)).alice!.outAudioBytes;
      const got = (await samples(aCall)).bob!.inAudioBytes;
      return sent === got ? got : null;
    }, "alice has all that bob's window sent before the hold");
    const cdp = await bob.context.newCDPSession(bCall);
    try {
      let status = '';
      cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ scriptURL: string; runningStatus: string }> }) => {
        for (const v of e.versions) if (v.scriptURL.includes(bob.extensionId)) status = v.runningStatus;
      });
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await until(async () => status === 'stopped' || null, 'the worker stopped');
    } finally {
      await cdp.detach();
    }
    // a fresh popup wakes the worker: it still says bob holds alice
    await bp.close();
    const fresh = await popup(bob);
    await fresh.getByTestId('popup-hold-text').getByText('You put alice on hold').waitFor();
    expect(await fresh.getByTestId('popup-hold').getAttribute('aria-pressed')).toBe('true');
    await bCall.getByTestId('hold-banner').getByText('You put alice on hold').waitFor();
    expect((await samples(aCall)).bob!.inAudioBytes).toBe(heldAt);
    await fresh.getByTestId('popup-hold').click();
    expect(await grows(aCall, 'bob', 'inAudioBytes')).toBeGreaterThan(heldAt);
    await aCall.getByTestId('hold-banner').waitFor({ state: 'detached' });
    await bCall.getByTestId('call-hangup').click();
    await ended(aCall, 'bob hung up.');
  });
});
