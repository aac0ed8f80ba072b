/**
 * Real calls in real headless Chromium with fake devices: three profiles (alice, bob,
 * carol) against a real server. A 1:1 video call whose getStats shows media flowing
 * both ways, mute, camera off, hang-up with the end-of-call invitation and the same
 * history on both sides, a closed window ending the call; a 3-person group call (with a
 * late accepter, a shared screen both others receive, someone leaving, and a member the
 * owner removes mid-call), classroom
 * mode (hands, the floor), a browser killed
 * mid-call; and the RTC messages absent from stored history (read by a Node SDK client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  callWindow,
  launchProfile,
  nodeClient,
  popupsFor,
  remoteVideoWidth,
  rtcSamples,
  axeViolations,
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
let aliceNode: Awaited<ReturnType<typeof nodeClient>>;
const { popup, dial } = popupsFor();

async function acceptFromPopup(p: Profile) {
  const page = await popup(p);
  await page.getByTestId('incoming').getByRole('button', { name: 'Accept' }).first().click();
}

/** Waits until the call window shows a connected tile for each of `users`. */
async function connected(page: Page, users: string[]) {
  for (const u of users) await page.locator(`[data-testid="peer-tile"][data-user="${u}"][data-connection="connected"]`).waitFor({ timeout: 20_000 });
}

/** Waits until `field` of the sample for `peer` grows by more than `by` bytes. */
async function grows(page: Page, peer: string, field: keyof RtcSample, by = 500) {
  const first = (await until(async () => (await rtcSamples(page))[peer], `${peer} stats`))[field] as number;
  return until(async () => {
    const now = (await rtcSamples(page))[peer]?.[field] as number;
    return now > first + by ? now : null;
  }, `${field} from ${peer} growing`, 10_000);
}

/**
 * `field` of `peer` stands still while a reference flow keeps going: done once the
 * reference grew by `by` bytes with `field` unchanged across that window. The first
 * window after an action may still carry packets in flight, so windows repeat; until()
 * fails the test if none is still within its deadline. No fixed wait: the reference's
 * bytes, not the clock, say that media would have flowed.
 */
async function staysWhile(page: Page, peer: string, field: keyof RtcSample, ref: { page: Page; peer: string; field: keyof RtcSample }, by = 4000) {
  await until(async () => {
    const a = (await rtcSamples(page))[peer]![field];
    await grows(ref.page, ref.peer, ref.field, by);
    const b = (await rtcSamples(page))[peer]![field];
    return a === b ? true : null;
  }, `${field} of ${peer} still while ${ref.field} of ${ref.peer} grows`, 30_000);
}

async function callEnded(page: Page) {
  await page.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 15_000 });
}

/** Every stored message of a conversation, as alice's Node client reads it. */
async function stored(conversationID: string) {
  const { data } = await aliceNode.getMessageList({ conversationID, count: 100 });
  return data.messageList;
}

function endOfCall(messages: Array<{ payload: { data?: string } }>) {
  return messages
    .map((m) => JSON.parse(m.payload.data ?? '{}') as { businessID?: unknown; actionType?: number; data?: string })
    .filter((s) => s.businessID === 1 && s.actionType === 1)
    .map((s) => JSON.parse(s.data || '{}') as { callEnd?: number; callInviteID?: string; reason?: string })
    .filter((d) => typeof d.callEnd === 'number');
}

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([
    // Screen sharing without a picker: the whole (virtual) screen is chosen at once.
    launchProfile('alice', { args: ['--auto-select-desktop-capture-source=Entire screen', '--enable-usermedia-screen-capturing'] }),
    launchProfile('bob'),
    launchProfile('carol'),
  ]);
  const pages = await Promise.all([
    signInThroughOptions(alice, srv.server.url, 'alice', true),
    signInThroughOptions(bob, srv.server.url, 'bob', true),
    signInThroughOptions(carol, srv.server.url, 'carol', true),
  ]);
  await Promise.all(pages.map((p) => p.close()));
  aliceNode = await nodeClient(srv.server, 'alice');
  await aliceNode.createGroup({ groupID: 'class', name: 'Class 1', memberList: ['bob', 'carol'] });
});

afterAll(async () => {
  await aliceNode?.destroy().catch(() => undefined);
  await Promise.all([alice?.close(), bob?.close(), carol?.close()].map((p) => p?.catch(() => undefined)));
  await srv?.close();
});

describe('1:1 call', () => {
  let aCall: Page;
  let bCall: Page;

  it('shows the call type before answering, opens a call window on both sides, and media flows both ways', async () => {
    await dial(alice, 'bob', 'video');
    const bp = await popup(bob);
    await bp.getByTestId('incoming').getByText('Video call').waitFor();
    await acceptFromPopup(bob);
    [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
    await Promise.all([connected(aCall, ['bob']), connected(bCall, ['alice'])]);
    await Promise.all([
      grows(aCall, 'bob', 'inAudioBytes'),
      grows(aCall, 'bob', 'inVideoBytes', 5000),
      grows(bCall, 'alice', 'inAudioBytes'),
      grows(bCall, 'alice', 'inVideoBytes', 5000),
    ]);
    expect(await aCall.getByTestId('call-peer').textContent()).toBe('bob');
    await aCall.locator('[data-testid="peer-tile"][data-user="bob"]:not([data-quality="unknown"])').waitFor();
  });

  it('mute stops outbound audio (and the peer sees it); unmute resumes it', async () => {
    await aCall.getByTestId('call-mute').click();
    await staysWhile(aCall, 'bob', 'outAudioBytes', { page: aCall, peer: 'bob', field: 'outVideoBytes' });
    await bCall.locator('[data-testid="peer-tile"][data-user="alice"][data-mic="false"]').waitFor();
    await aCall.getByTestId('call-mute').click();
    await grows(aCall, 'bob', 'outAudioBytes');
  });

  it('switches video → audio (camera off) and back', async () => {
    await bCall.getByTestId('call-camera').click();
    await staysWhile(bCall, 'alice', 'outVideoBytes', { page: bCall, peer: 'alice', field: 'outAudioBytes' });
    await bCall.getByTestId('call-camera').click();
    await grows(aCall, 'bob', 'inVideoBytes', 5000);
  });

  it('hang-up sends the end-of-call invitation with the duration; both histories show it', async () => {
    await new Promise((r) => setTimeout(r, 1000)); // at least a second long
    await aCall.getByTestId('call-hangup').click();
    await Promise.all([callEnded(aCall), callEnded(bCall)]);
    const ends = await until(async () => {
      const e = endOfCall(await stored('C2Cbob'));
      return e.length === 1 ? e : null;
    }, 'one end-of-call invitation');
    expect(ends[0]!.callEnd).toBeGreaterThanOrEqual(1);
    const rows = await Promise.all(
      [alice, bob].map(async (p) => {
        const page = await popup(p);
        await page.reload();
        const row = page.locator('[data-testid="history"] li[data-outcome="answered"]').first();
        await row.waitFor();
        return { duration: await row.getAttribute('data-duration'), text: await row.textContent() };
      }),
    );
    expect(rows[0]!.duration).toBe(String(ends[0]!.callEnd));
    expect(rows[1]!.duration).toBe(rows[0]!.duration);
    const d = Number(rows[0]!.duration);
    expect(rows[0]!.text).toContain(`${Math.floor(d / 60)}:${String(d % 60).padStart(2, '0')}`);
    // Both call windows said the same duration the logs show (the marker's start and end instants).
    for (const w of [aCall, bCall]) expect(await w.getByTestId('call-ended-duration').textContent()).toBe(`Duration ${Math.floor(d / 60)}:${String(d % 60).padStart(2, '0')}`);
    await Promise.all([aCall.close(), bCall.close()]);
  });

  it('closing one side\'s window ends the call for the other, with the end-of-call in history', async () => {
    await dial(alice, 'bob', 'audio');
    await acceptFromPopup(bob);
    [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
    await connected(aCall, ['bob']);
    await bCall.close();
    // Ended by bob's hang-up, not by alice noticing his silence (PEER_TIMEOUT_MS) or ICE: the
    // stored end-of-call below says window_closed. How many seconds that took is this
    // machine's speed, so it is not asserted (callEnded's wait is only a hang guard).
    await callEnded(aCall);
    const ends = await until(async () => {
      const e = endOfCall(await stored('C2Cbob'));
      return e.length === 2 ? e : null;
    }, 'a second end-of-call invitation');
    expect(ends.at(-1)).toMatchObject({ reason: 'window_closed' });
    await aCall.close();
  });
});

describe('a plain group call (3 people)', () => {
  let aCall: Page;
  let bCall: Page;
  let cCall: Page;

  it('everyone who accepts joins one room; a late accepter joins the running call; all receive media from both others', async () => {
    const ap = await popup(alice);
    await ap.getByTestId('open-groups').click();
    await ap.getByRole('button', { name: 'Audio call with Class 1' }).click();
    await acceptFromPopup(bob);
    [aCall, bCall] = await Promise.all([callWindow(alice), callWindow(bob)]);
    await Promise.all([connected(aCall, ['bob']), connected(bCall, ['alice'])]);
    await acceptFromPopup(carol); // late
    cCall = await callWindow(carol);
    await Promise.all([connected(aCall, ['bob', 'carol']), connected(bCall, ['alice', 'carol']), connected(cCall, ['alice', 'bob'])]);
    await Promise.all([
      grows(aCall, 'bob', 'inAudioBytes'),
      grows(aCall, 'carol', 'inAudioBytes'),
      grows(bCall, 'alice', 'inAudioBytes'),
      grows(bCall, 'carol', 'inAudioBytes'),
      grows(cCall, 'alice', 'inAudioBytes'),
      grows(cCall, 'bob', 'inAudioBytes'),
    ]);
    // The header says who is here; a plain group call has no classroom anywhere.
    for (const page of [aCall, bCall, cCall]) {
      await until(async () => (await page.getByTestId('call-here').textContent())?.includes('3 people') || undefined, 'the header to count 3 people');
      expect(await page.getByTestId('classroom').count()).toBe(0);
      expect(await page.getByTestId('ask-hands').count()).toBe(0);
      expect(await page.getByTestId('raise-hand').count()).toBe(0);
    }
    expect(await aCall.getByTestId('call-peer').textContent()).toBe('Class 1');
  });

  it('the participant list shows everyone with the microphone state; statistics only behind Details', async () => {
    await aCall.getByTestId('call-people').click();
    const list = aCall.getByTestId('participants');
    await until(async () => (await list.locator('li').count()) === 3 || undefined, 'three participants');
    await bCall.getByTestId('call-mute').click();
    await list.locator('li[data-user="bob"][data-mic="false"]').waitFor();
    expect(await list.locator('li[data-user="carol"]').getAttribute('data-mic')).toBe('true');
    expect(await aCall.getByTestId('peer-quality').count()).toBe(0);
    await aCall.getByTestId('call-details').click();
    await until(async () => (await aCall.getByTestId('peer-quality').count()) === 2 || undefined, 'statistics on both tiles');
    await aCall.setViewportSize({ width: 900, height: 620 });
    for (const scheme of ['light', 'dark'] as const) {
      await aCall.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(aCall), `group call with participants (${scheme})`).toEqual([]);
    }
    await aCall.screenshot({ path: screenshotPath('call-group.png') });
    await aCall.getByTestId('call-details').click();
    await aCall.getByTestId('call-people').click();
    await bCall.getByTestId('call-mute').click();
    expect(await aCall.getByTestId('peer-quality').count()).toBe(0);
  });


  it('alice shares her screen: bob and carol both receive it as video (the call is audio-only before); stopping takes it away', async () => {
    // An audio call: alice's tile shows her initials on both sides, no video.
    for (const page of [bCall, cCall]) await page.locator('[data-testid="peer-tile"][data-user="alice"] video.hidden').waitFor({ state: 'attached' });
    await aCall.getByRole('button', { name: 'Share screen' }).click();
    await aCall.locator('[data-testid="call-share"][aria-pressed="true"]').waitFor();
    const screen = await aCall.evaluate(() => (globalThis as unknown as { __ringletCall: { screen: MediaStreamTrack | null } }).__ringletCall.screen?.label ?? '');
    expect(screen).not.toBe('');
    await aCall.getByTestId('self-tile').getByText('You are presenting').waitFor();
    // Each of the two others shows alice's video and decodes frames of it, and the bytes keep coming.
    await Promise.all(
      [bCall, cCall].map(async (page) => {
        await page.locator('[data-testid="peer-tile"][data-user="alice"] video:not(.hidden)').waitFor({ state: 'attached' });
        await until(async () => (await remoteVideoWidth(page, 'alice')) > 0, 'a decoded frame of the screen');
        await grows(page, 'alice', 'inVideoBytes', 5000);
      }),
    );
    await aCall.getByRole('button', { name: 'Share screen' }).click();
    await aCall.locator('[data-testid="call-share"][aria-pressed="false"]').waitFor();
    for (const page of [bCall, cCall]) await page.locator('[data-testid="peer-tile"][data-user="alice"] video.hidden').waitFor({ state: 'attached' });
  });

  it('someone leaving does not end the call for the others', async () => {
    await cCall.getByTestId('call-hangup').click();
    await callEnded(cCall);
    await until(async () => (await aCall.locator('[data-testid="peer-tile"]').count()) === 1, 'carol gone at alice');
    await until(async () => (await bCall.locator('[data-testid="peer-tile"]').count()) === 1, 'carol gone at bob');
    expect(await aCall.getAttribute('[data-testid="call-page"]', 'data-active')).toBe('true');
    await grows(bCall, 'alice', 'inAudioBytes');
  });

  it('the owner removes a member mid-call: that member\'s call ends and the others\' windows drop it (issue 17, attack 7 on the mesh)', async () => {
    await aliceNode.deleteGroupMember({ groupID: 'class', userIDList: ['bob'] });
    // Bob's window hears that he left the group and ends his call; alice's drops him.
    await callEnded(bCall);
    await until(async () => (await aCall.locator('[data-testid="peer-tile"]').count()) === 0, 'bob gone at alice');
    expect(await aCall.getAttribute('[data-testid="call-page"]', 'data-active')).toBe('true');
    await aliceNode.addGroupMember({ groupID: 'class', userIDList: ['bob'] });
    await aCall.getByTestId('call-hangup').click();
    await callEnded(aCall);
    await Promise.all([aCall.close(), bCall.close(), cCall.close()]);
  });
});

describe('a class (the teacher chose it; mesh: this server has no SFU)', () => {
  let aCall: Page;
  let bCall: Page;
  let cCall: Page;

  /** alice starts a class from the group's row in the popup; bob and carol accept in theirs. */
  async function startClass() {
    const ap = await popup(alice);
    await ap.getByTestId('open-groups').click();
    await ap.getByRole('button', { name: 'Start a class in Class 1' }).click();
    await acceptFromPopup(bob);
    await acceptFromPopup(carol);
    [aCall, bCall, cCall] = await Promise.all([callWindow(alice), callWindow(bob), callWindow(carol)]);
    await Promise.all([connected(aCall, ['bob', 'carol']), connected(bCall, ['alice', 'carol']), connected(cCall, ['alice', 'bob'])]);
    await aCall.locator('[data-testid="classroom"][data-role="teacher"]').waitFor();
    for (const page of [bCall, cCall]) await page.locator('[data-testid="classroom"][data-role="student"]').waitFor();
  }

  it('starts from the popup: the teacher leads, students see who has the floor and are listen-only', async () => {
    await startClass();
    expect(await bCall.getByTestId('speaker').textContent()).toBe('alice (teacher) has the floor.');
    await staysWhile(bCall, 'alice', 'outAudioBytes', { page: bCall, peer: 'alice', field: 'inAudioBytes' });
  });



  it('classroom: the teacher asks for hands; students raise them (popup, call window); everyone sees the list', async () => {
    await aCall.getByTestId('ask-hands').click();
    const bp = await popup(bob);
    await bp.getByTestId('incoming').getByRole('button', { name: 'Raise hand' }).click();
    await cCall.getByTestId('prompt-raiseHand').getByRole('button', { name: 'Raise hand' }).click();
    for (const page of [aCall, bCall, cCall]) {
      await until(async () => (await page.getByTestId('hands').locator('li').evaluateAll((li) => li.map((l) => l.getAttribute('data-user')))).join() === 'bob,carol', 'hands bob,carol');
    }
    await aCall.setViewportSize({ width: 900, height: 620 });
    await aCall.screenshot({ path: screenshotPath('call-classroom.png') });
    expect(await axeViolations(aCall), 'classroom panel with raised hands').toEqual([]);
    // Bob's window: his place in the queue, and Lower hand.
    expect(await bCall.getByTestId('hand-place').textContent()).toContain('number 1');
    for (const scheme of ['light', 'dark'] as const) {
      await bCall.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(bCall), `a student's window (${scheme})`).toEqual([]);
    }
    await bCall.setViewportSize({ width: 900, height: 620 });
    await bCall.screenshot({ path: screenshotPath('call-class-student.png') });
    // Students without the floor are listen-only.
    await staysWhile(bCall, 'alice', 'outAudioBytes', { page: bCall, peer: 'alice', field: 'inAudioBytes' });
  });

  it('classroom: the chosen student takes the floor and is heard by everyone; the other stays listen-only', async () => {
    await aCall.getByTestId('hands').locator('li[data-user="carol"]').getByTestId('pick').click();
    await cCall.getByTestId('prompt-speak').getByRole('button', { name: 'Speak' }).click();
    for (const page of [aCall, bCall, cCall]) await page.locator('[data-testid="classroom"][data-speaker="carol"]').waitFor();
    await Promise.all([grows(aCall, 'carol', 'inAudioBytes'), grows(bCall, 'carol', 'inAudioBytes')]);
    await staysWhile(aCall, 'bob', 'inAudioBytes', { page: aCall, peer: 'carol', field: 'inAudioBytes' });
  });

  it('classroom: the speaker lowers the hand, and the teacher takes the floor back from the next one; everyone sees it', async () => {
    const speakerIs = async (who: string) => {
      for (const page of [aCall, bCall, cCall]) await page.locator(`[data-testid="classroom"][data-speaker="${who}"]`).waitFor();
    };
    await cCall.getByTestId('lower-hand').click();
    await speakerIs('');
    // Bob's hand is still up: the teacher gives him the floor, then takes it back.
    await aCall.getByTestId('hands').locator('li[data-user="bob"]').getByTestId('pick').click();
    await bCall.getByTestId('prompt-speak').getByRole('button', { name: 'Speak' }).click();
    await speakerIs('bob');
    expect(await bCall.getByTestId('lower-hand').count()).toBe(1);
    await aCall.screenshot({ path: screenshotPath('call-classroom-floor.png') });
    expect(await axeViolations(aCall), 'classroom panel with a speaker').toEqual([]);
    expect(await axeViolations(bCall), 'the speaker\'s window (Lower hand)').toEqual([]);
    await aCall.getByTestId('end-speak').click();
    await speakerIs('');
    await aCall.getByTestId('end-speak').waitFor({ state: 'detached' });
    await bCall.getByTestId('lower-hand').waitFor({ state: 'detached' });
  });

  it('the teacher lowers every hand; a student raises one unasked', async () => {
    await aCall.getByTestId('end-speak').waitFor({ state: 'detached' });
    await cCall.getByTestId('raise-hand').click();
    for (const page of [aCall, bCall, cCall]) await page.getByTestId('hands').locator('li[data-user="carol"]').waitFor();
    await aCall.getByTestId('lower-all').click();
    for (const page of [aCall, bCall, cCall]) await until(async () => (await page.getByTestId('hands').locator('li').count()) === 0 || undefined, 'every hand down');
  });

  it('the teacher ends the class for everyone: every window says so at once, nobody stays in it', async () => {
    await aCall.getByTestId('end-class').click();
    // Ended by the teacher's message (the notice below names it), not by a window noticing
    // the teacher gone; how fast is this machine's speed (callEnded's wait is a hang guard).
    await Promise.all([callEnded(aCall), callEnded(bCall), callEnded(cCall)]);
    for (const page of [bCall, cCall]) expect(await page.getByTestId('call-ended-notice').textContent()).toBe('alice ended the class.');
    await bCall.screenshot({ path: screenshotPath('call-class-ended.png') });
    await Promise.all([aCall.close(), bCall.close(), cCall.close()]);
  });

  it("the teacher's window closing mid-class ends it for the students, saying the teacher left", async () => {
    await startClass();
    await aCall.getByTestId('ask-hands').click();
    await bCall.getByTestId('prompt-raiseHand').waitFor();
    await aCall.close();
    await Promise.all([callEnded(bCall), callEnded(cCall)]);
    for (const page of [bCall, cCall]) expect(await page.getByTestId('call-ended-notice').textContent()).toBe('alice (the teacher) left; the class is over.');
    // Nothing stale: no prompt, no class, not muted anywhere.
    const bp = await popup(bob);
    await bp.locator('[data-testid="incoming"]').waitFor({ state: 'detached' });
    await Promise.all([bCall.close(), cCall.close()]);
  });
});

describe("the call log of a group's calls", () => {
  it('names the group, keeps one row per call (prompts and hands are not calls) with its duration and who joined; search and the missed filter', async () => {
    // A call alice misses, for the filter.
    const bobNode = await nodeClient(srv.server, 'bob');
    const missed = await bobNode.invite({ userID: 'alice', data: JSON.stringify({ version: 1, roomID: 'm', callType: 'audio' }), timeout: 1 });
    const ap = await popup(alice);
    await until(async () => ((await ap.locator(`[data-testid="incoming"] [data-invite-id="${missed.inviteID}"]`).count()) === 0) || undefined, 'the missed call to time out');
    await bobNode.destroy();
    await ap.reload();
    const rows = ap.getByTestId('history').locator('li');
    await rows.first().waitFor();
    if (await ap.getByTestId('show-more').count()) await ap.getByTestId('show-more').click();
    const groupRows = ap.getByTestId('history').locator('li').filter({ has: ap.locator('.name', { hasText: /^Class 1$/ }) });
    // The plain call and two classes: three rows, none of them "class" (the ID) or a prompt.
    await until(async () => ((await groupRows.count()) === 3) || undefined, 'three group rows named Class 1');
    expect(await ap.getByTestId('history').locator('.name', { hasText: /^class$/ }).count()).toBe(0);
    for (let i = 0; i < 3; i++) expect(await groupRows.nth(i).getAttribute('data-duration')).toMatch(/^\d+$/);
    expect(await groupRows.last().getByTestId('log-joined').textContent()).toBe('3 joined: alice, bob, carol');

    await ap.getByTestId('log-search').fill('class 1');
    await until(async () => ((await rows.count()) === 3) || undefined, 'only the group rows');
    await ap.getByTestId('log-search').fill('');
    await ap.getByTestId('log-missed').click();
    await until(async () => ((await rows.count()) === 1) || undefined, 'only the missed call');
    expect(await rows.first().getAttribute('data-outcome')).toBe('missed');
    await ap.getByTestId('log-missed').click();
    await ap.getByTestId('log-search').fill('class');
    for (const scheme of ['light', 'dark'] as const) {
      await ap.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(ap), `the call log searched (${scheme})`).toEqual([]);
      await ap.locator('main.popup').screenshot({ path: screenshotPath(`popup-log-groups-${scheme}.png`) });
    }
    await ap.emulateMedia({ colorScheme: 'light' });
    await ap.getByTestId('log-search').fill('');
  });
});

describe('a peer that disappears, and what history keeps', () => {
  it('a browser killed mid-call ends the call for the other side within seconds', async () => {
    await dial(alice, 'carol', 'audio');
    await acceptFromPopup(carol);
    const [aCall] = await Promise.all([callWindow(alice), callWindow(carol)]);
    await connected(aCall, ['carol']);
    carol.kill(); // the whole browser, SIGKILL: no bye, no window-closed hang-up from carol's worker
    // Within seconds: by the hello silence (PEER_TIMEOUT_MS, 4.5 s), which the stored reason
    // peer_lost below names (ICE failing would say connection_failed); the wall time it took
    // is this machine's speed, so callEnded's wait is only a hang guard.
    await callEnded(aCall);
    const ends = await until(async () => {
      const e = endOfCall(await stored('C2Ccarol'));
      return e.length === 1 ? e : null;
    }, 'end-of-call from alice');
    expect(ends[0]).toMatchObject({ reason: 'peer_lost' });
    await aCall.close();
  });

  it('no RTC message (SDP, ICE, hello, bye) is stored in any conversation', async () => {
    for (const conversationID of ['C2Cbob', 'C2Ccarol', 'GROUPclass']) {
      const messages = await stored(conversationID);
      expect(messages.length).toBeGreaterThan(0); // the signaling is there
      expect(messages.filter((m) => (m.payload.data ?? '').includes('ringlet.rtc'))).toEqual([]);
    }
  });
});
