/**
 * Transfer and add someone (docs/CALLS.md "Transfer and add someone") in real headless
 * Chromium with fake devices: three profiles (alice, bob, carol) against a real server.
 * - bob transfers alice to carol from his call window: carol's card says "alice,
 *   transferred by bob"; bob leaves at once; alice ends up talking to carol (inbound RTP
 *   bytes both ways) with bob gone;
 * - carol declines the transfer: alice is told in words and calls bob back from the window;
 * - bob adds carol to his call with alice: three in the mesh, inbound audio at all three
 *   from both others; bob hangs up and alice and carol go on (the attended transfer).
 * axe finds nothing in light or dark on the picker, the ringing card, the declined notice
 * and the three-person call; screenshots of each go to docs/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callWindow, launchProfile, popupsFor, rtcSamples, signInThroughOptions, startTestServer, until, type Profile, type RtcSample, type TestServer } from './helpers.ts';
import { checkAndShoot } from './shots.ts';

let srv: TestServer;
let alice: Profile;
let bob: Profile;
let carol: Profile;
const { popup, dial } = popupsFor();

async function answer(p: Profile, how: 'Accept' | 'Reject' = 'Accept') {
  const page = await popup(p);
  await page.getByTestId('incoming').getByRole('button', { name: how }).first().click();
}

async function connected(page: Page, users: string[]) {
  for (const u of users) await page.locator(`[data-testid="peer-tile"][data-user="${u}"][data-connection="connected"]`).waitFor({ timeout: 20_000 });
}

/** Waits until `field` of the sample for `peer` grows by more than `by` bytes. */
async function grows(page: Page, peer: string, field: keyof RtcSample = 'inAudioBytes', by = 500) {
  const first = (await until(async () => (await rtcSamples(page))[peer], `${peer} stats`))[field] as number;
  return until(async () => {
    const now = (await rtcSamples(page))[peer]?.[field] as number;
    return now > first + by ? now : null;
  }, `${field} from ${peer} growing`, 15_000);
}

async function callEnded(page: Page) {
  await page.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 15_000 });
}

/** A running 1:1 audio call alice → bob, both windows connected. */
async function aliceCallsBob(): Promise<[Page, Page]> {
  await dial(alice, 'bob');
  await answer(bob);
  const [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
  await Promise.all([connected(aCall, ['bob']), connected(bCall, ['alice'])]);
  return [aCall, bCall];
}

async function pick(call: Page, what: 'transfer' | 'add', userID: string, shot?: string) {
  await call.getByTestId(`call-${what}`).click();
  const panel = call.getByTestId('transfer-panel');
  await panel.waitFor();
  await call.getByTestId('picker-user').fill(userID);
  if (shot) await checkAndShoot(call, shot, { zh: true, zhReady: () => call.getByTestId('picker-go').getByText('转接').waitFor() });
  await call.getByTestId('picker-go').click();
}

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([launchProfile('alice'), launchProfile('bob'), launchProfile('carol')]);
  const pages = await Promise.all([
    signInThroughOptions(alice, srv.server.url, 'alice', true),
    signInThroughOptions(bob, srv.server.url, 'bob', true),
    signInThroughOptions(carol, srv.server.url, 'carol', true),
  ]);
  await Promise.all(pages.map((p) => p.close()));
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close(), carol?.close()].map((p) => p?.catch(() => undefined)));
  await srv?.close();
});

describe('transfer', () => {
  it('bob transfers alice to carol: carol rings with "alice, transferred by bob", bob leaves at once, alice talks to carol', async () => {
    const [aCall, bCall] = await aliceCallsBob();
    await pick(bCall, 'transfer', 'carol', 'call-transfer-picker');
    // Blind: bob is out as soon as the server rang carol.
    await callEnded(bCall);
    expect(await bCall.getByTestId('call-ended-notice').textContent()).toBe('You transferred alice to carol.');
    // alice's window follows the transfer while carol rings.
    await until(async () => ((await aCall.getByTestId('call-ended-dialling').textContent().catch(() => '')) ?? '').includes('bob transferred you to carol') || null, 'alice told of the transfer');
    const cp = await popup(carol);
    const line = cp.getByTestId('ring-join');
    await line.waitFor();
    expect(await line.textContent()).toBe('alice, transferred by bob');
    expect(await cp.getByTestId('incoming').locator('.caller').first().textContent()).toBe('alice');
    await checkAndShoot(cp, 'popup-ringing-transferred', { zh: true, zhReady: () => cp.getByTestId('ring-join').getByText('由 bob 转接').waitFor() });
    await answer(carol);
    const cCall = await callWindow(carol);
    await until(async () => (await aCall.getByTestId('call-page').getAttribute('data-active')) === 'true' || null, 'alice back in a call');
    await Promise.all([connected(aCall, ['carol']), connected(cCall, ['alice'])]);
    await Promise.all([grows(aCall, 'carol'), grows(cCall, 'alice')]);
    expect(await aCall.getByTestId('call-peer').textContent()).toBe('carol');
    expect(await aCall.locator('[data-testid="peer-tile"]').count(), 'bob is gone').toBe(1);
    expect(Object.keys(await rtcSamples(aCall))).toEqual(['carol']);
    await aCall.getByTestId('call-hangup').click();
    await Promise.all([callEnded(aCall), callEnded(cCall)]);
    await Promise.all([aCall.close(), bCall.close(), cCall.close()]);
  });

  it('carol declines: alice is told in words and calls bob back from the window', async () => {
    const [aCall, bCall] = await aliceCallsBob();
    await pick(bCall, 'transfer', 'carol');
    await callEnded(bCall);
    const cp = await popup(carol);
    await cp.getByTestId('ring-join').waitFor();
    await answer(carol, 'Reject');
    const notice = aCall.getByTestId('call-ended-notice');
    await until(async () => ((await notice.textContent().catch(() => '')) ?? '').includes('declined') || null, 'alice told of the decline');
    expect(await notice.textContent()).toBe('carol declined the call bob transferred. You can call bob back.');
    const back = aCall.getByTestId('call-back');
    expect(await back.textContent()).toBe('Call back bob');
    await checkAndShoot(aCall, 'call-transfer-declined', { zh: true, zhReady: () => aCall.getByTestId('call-back').getByText('回拨 bob').waitFor() });
    await back.click();
    await bCall.close();
    await answer(bob);
    const bCall2 = await callWindow(bob);
    await until(async () => (await aCall.getByTestId('call-page').getAttribute('data-active')) === 'true' || null, 'alice calling bob again');
    await Promise.all([connected(aCall, ['bob']), connected(bCall2, ['alice'])]);
    await aCall.getByTestId('call-hangup').click();
    await Promise.all([callEnded(aCall), callEnded(bCall2)]);
    await Promise.all([aCall.close(), bCall2.close()]);
  });
});

describe('add someone', () => {
  it('bob adds carol: 1:1 becomes three in the mesh with audio arriving at all three; bob leaves and alice and carol go on', async () => {
    const [aCall, bCall] = await aliceCallsBob();
    await pick(bCall, 'add', 'carol');
    await bCall.getByTestId('call-adding').waitFor();
    const cp = await popup(carol);
    const line = cp.getByTestId('ring-join');
    await line.waitFor();
    expect(await line.textContent()).toBe('bob adds you to a call with alice');
    await answer(carol);
    const cCall = await callWindow(carol);
    await Promise.all([connected(aCall, ['bob', 'carol']), connected(bCall, ['alice', 'carol']), connected(cCall, ['alice', 'bob'])]);
    await Promise.all([grows(aCall, 'bob'), grows(aCall, 'carol'), grows(bCall, 'alice'), grows(bCall, 'carol'), grows(cCall, 'alice'), grows(cCall, 'bob')]);
    expect(await aCall.getByTestId('call-here').textContent()).toContain('3');
    await checkAndShoot(aCall, 'call-added-three', { zh: true, zhReady: () => aCall.getByTestId('call-here').getByText('3').waitFor() });
    // bob leaves (the attended transfer): the call goes on between alice and carol.
    await bCall.getByTestId('call-hangup').click();
    await callEnded(bCall);
    await until(async () => (await aCall.locator('[data-testid="peer-tile"]').count()) === 1 || null, 'bob gone from alice\'s window');
    expect(await aCall.getByTestId('call-page').getAttribute('data-active')).toBe('true');
    expect(await cCall.getByTestId('call-page').getAttribute('data-active')).toBe('true');
    await Promise.all([grows(aCall, 'carol'), grows(cCall, 'alice')]);
    await aCall.getByTestId('call-hangup').click();
    await Promise.all([callEnded(aCall), callEnded(cCall)]);
  });
});
