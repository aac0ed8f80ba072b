/**
 * A class of 14 on Janus, run from the extension's UI (Chromium): the teacher starts it
 * from the group's row in the popup; sam (a second Chromium profile) accepts in his popup;
 * 12 synthetic students (Node SDK clients publishing Opus with werift, test/support/
 * sfu-student.ts) accept and join with their own grants. From the teacher's call window:
 * ask for hands (the queue fills in the order hands went up, sam's from his window), let
 * one speak (only that student is heard), take the floor back (silent again), lower every
 * hand, and end the class for everyone (sam's window says so at once; every synthetic
 * student gets the hang-up). A second class: the teacher's window closes mid-class and
 * sam's window says the teacher left. axe on the teacher's and the student's window, and
 * screenshots (with the grid's pager past 9 tiles, and in Simplified Chinese).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCallEnd, decodeClassroom } from '../../src/protocol/call-data.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { janusAvailable, startTestJanus } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { axeViolations, callWindow, launchProfile, nodeClient, openPopup, rtcSamples, screenshotPath, signInThroughOptions, TSignaling, until, type Profile } from './helpers.ts';
import { setLanguage } from './shots.ts';

const SYNTHETIC = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
type Chat = Awaited<ReturnType<typeof nodeClient>>;
interface Heard {
  inviteID: string;
  inviter: string;
  groupID: string;
  inviteeList: string[];
  data: string;
}

describe.skipIf(!janusAvailable())('a class of 14 on the SFU, from the UI', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let server: RingletServer;
  let dir: string;
  let teacher: Profile;
  let sam: Profile;
  let tCall: Page;
  let sCall: Page;
  const chats = new Map<string, Chat>();
  const heard = new Map<string, Heard[]>();
  let synthetic: SyntheticStudent[] = [];
  let callID = '';

  /** The newest invitation `user` heard that matches. */
  const lastHeard = (user: string, match: (h: Heard) => boolean) => until(async () => [...(heard.get(user) ?? [])].reverse().find(match), `${user} to hear it`, 20_000);

  beforeAll(async () => {
    janus = await startTestJanus();
    dir = mkdtempSync(join(tmpdir(), 'ringlet-sfu-class-ui-'));
    server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), deadlinePollMs: 200, logLevel: 'silent', sfu: janus.sfu, groupConsent: false }); // the class's group is made by code
    [teacher, sam] = await Promise.all([launchProfile('class-teacher'), launchProfile('class-sam')]);
    await Promise.all([
      signInThroughOptions(teacher, server.url, 'teacher', true).then((p) => p.close()),
      signInThroughOptions(sam, server.url, 'sam', true).then((p) => p.close()),
    ]);
    for (const u of SYNTHETIC) {
      const c = await nodeClient(server, u);
      heard.set(u, []);
      c.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e) => heard.get(u)!.push(e.data as Heard));
      chats.set(u, c);
    }
    const owner = await nodeClient(server, 'teacher');
    await owner.createGroup({ groupID: 'class12', name: 'Physics 12', type: 'Work', memberList: ['sam', ...SYNTHETIC] });
    await owner.destroy();
  }, 180_000);

  afterAll(async () => {
    for (const s of synthetic) await s.leave().catch(() => undefined);
    for (const c of chats.values()) await c.destroy().catch(() => undefined);
    await Promise.all([teacher?.close(), sam?.close()].map((p) => p?.catch(() => undefined)));
    await server?.close();
    await janus?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The teacher starts a class from the popup; sam accepts in his popup; the synthetic students accept and publish. */
  async function startClass(): Promise<void> {
    const popup = await openPopup(teacher);
    await popup.locator('[data-testid="status"][data-connection="online"]').waitFor({ timeout: 15_000 });
    await popup.getByTestId('open-groups').click();
    await popup.getByRole('button', { name: 'Start a class in Physics 12' }).click();
    const inv = await lastHeard('s1', (h) => h.inviter === 'teacher' && JSON.parse(h.data).mode === 'classroom' && h.inviteID !== callID);
    callID = inv.inviteID;
    const samPopup = await openPopup(sam);
    await samPopup.locator('[data-testid="incoming"] button[data-kind="call"]').click();
    synthetic = [];
    for (const u of SYNTHETIC) {
      const c = chats.get(u)!;
      await c.accept({ inviteID: callID });
      const grant: SfuJoin = (await c.getSfuJoin({ inviteID: callID })).data;
      expect(grant.role).toBe('student');
      synthetic.push(await startSyntheticStudent(u, grant));
    }
    [tCall, sCall] = await Promise.all([callWindow(teacher, 30_000), callWindow(sam, 30_000)]);
    await tCall.locator('[data-testid="classroom"][data-role="teacher"]').waitFor({ timeout: 30_000 });
    await sCall.locator('[data-testid="classroom"][data-role="student"]').waitFor({ timeout: 30_000 });
    await popup.close();
    await samPopup.close();
  }

  /** The teacher's inbound audio bytes from each synthetic student (the SFU's subscriber stats). */
  const bytesAtTeacher = async () => Object.fromEntries(Object.entries(await rtcSamples(tCall)).map(([u, s]) => [u, s.inAudioBytes]));
  async function grows(user: string, by: number): Promise<void> {
    const from = (await bytesAtTeacher())[user] ?? 0;
    await until(async () => (((await bytesAtTeacher())[user] ?? 0) >= from + by ? true : undefined), `${user}'s audio to reach the teacher`, 30_000);
  }
  /** Nobody's audio reaches the teacher while the students keep sending. */
  async function silent(): Promise<void> {
    await until(async () => ((await server.sfu!.speakerOf(callID)) === null ? true : undefined), 'the floor back with the teacher');
    const s = synthetic[0]!;
    const wait = async (n: number) => {
      const at = s.sent();
      await until(async () => (s.sent() >= at + n ? true : undefined), 'more packets sent');
    };
    await wait(25);
    const quiet = await bytesAtTeacher();
    await wait(100);
    expect(await bytesAtTeacher()).toEqual(quiet);
  }
  const queue = (page: Page) => page.getByTestId('hands').locator('li').evaluateAll((li) => li.map((l) => l.getAttribute('data-user')));

  it('starts from the popup on the SFU: 14 people, the grid pages past 9 tiles, students are listen-only', async () => {
    await startClass();
    await until(async () => ((await tCall.getByTestId('call-here').textContent()) ?? '').includes('14 people') || undefined, 'the teacher to count 14 people', 30_000);
    let t: Array<string | null> = [];
    const tiles = () => tCall.locator('[data-testid="peer-tile"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-user')));
    // Every student who publishes (the 12 synthetic ones and sam's window) has a tile: 14 with mine, on two pages.
    await until(async () => ((t = await tiles()), [...SYNTHETIC, 'sam'].every((u) => t.includes(u)) || undefined), 'a tile for every student', 30_000);
    expect(await tCall.getByTestId('page-of').textContent()).toBe('1 of 2');
    expect(await sCall.getByTestId('speaker').textContent()).toBe('teacher (teacher) has the floor.');
    await silent(); // the students' open microphones reach nobody
  }, 240_000);

  it('hands go up in order (sam from his window), the teacher lets one speak and takes the floor back', async () => {
    await tCall.getByTestId('ask-hands').click();
    const ask = await lastHeard('s3', (h) => decodeClassroom(h.data)?.classroom === 'raiseHand');
    for (const u of ['s3', 's7']) {
      await chats.get(u)!.accept({ inviteID: ask.inviteID });
      await until(async () => (await queue(tCall)).includes(u) || undefined, `${u}'s hand at the teacher`);
    }
    await sCall.getByTestId('prompt-raiseHand').getByRole('button', { name: 'Raise hand' }).click();
    await chats.get('s1')!.accept({ inviteID: ask.inviteID }).catch(() => undefined);
    await until(async () => ((await queue(tCall)).join() === 's3,s7,sam,s1') || undefined, 'the queue in order at the teacher');
    await until(async () => ((await queue(sCall)).join() === 's3,s7,sam,s1') || undefined, 'the same queue at sam');
    expect(await sCall.getByTestId('hand-place').textContent()).toContain('number 3');
    await tCall.setViewportSize({ width: 1000, height: 680 });
    for (const scheme of ['light', 'dark'] as const) {
      await tCall.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(tCall), `the teacher's window (${scheme})`).toEqual([]);
      await sCall.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(sCall), `sam's window (${scheme})`).toEqual([]);
    }
    await tCall.screenshot({ path: screenshotPath('call-class-sfu-teacher.png') });
    await sCall.screenshot({ path: screenshotPath('call-class-sfu-student.png') });

    // Let s7 speak: the speak invitation, which s7 accepts; only s7 is heard.
    await tCall.getByTestId('hands').locator('li[data-user="s7"]').getByTestId('pick').click();
    const speak = await lastHeard('s7', (h) => decodeClassroom(h.data)?.classroom === 'speak');
    await chats.get('s7')!.accept({ inviteID: speak.inviteID });
    await tCall.locator('[data-testid="classroom"][data-speaker="s7"]').waitFor();
    await sCall.locator('[data-testid="classroom"][data-speaker="s7"]').waitFor();
    const before = await bytesAtTeacher();
    await grows('s7', 4000);
    const after = await bytesAtTeacher();
    expect(after.s3).toBe(before.s3);
    expect(after.s1).toBe(before.s1);

    // Take the floor back: endSpeak to s7 (its client accepts it quietly); nobody is heard again.
    await tCall.getByTestId('end-speak').click();
    const end = await lastHeard('s7', (h) => decodeClassroom(h.data)?.classroom === 'endSpeak');
    await chats.get('s7')!.accept({ inviteID: end.inviteID });
    await tCall.locator('[data-testid="classroom"][data-speaker=""]').waitFor();
    await silent();
  }, 180_000);

  it('the teacher lowers every hand, then ends the class for everyone at once', async () => {
    await tCall.getByTestId('lower-all').click();
    for (const page of [tCall, sCall]) await until(async () => ((await queue(page)).length === 0) || undefined, 'every hand down');
    await setLanguage(tCall, 'zh_CN');
    await tCall.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await tCall.screenshot({ path: screenshotPath('call-class-sfu-teacher-zh_CN.png') });
    await setLanguage(tCall, 'auto');
    await tCall.waitForFunction(() => document.documentElement.lang === 'en');

    await tCall.getByTestId('end-class').click();
    // Ended by the teacher's message (the notice below names it); how fast is this machine's
    // speed, so the wait is a hang guard, not an assertion.
    await sCall.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 20_000 });
    expect(await sCall.getByTestId('call-ended-notice').textContent()).toBe('teacher ended the class.');
    for (const u of SYNTHETIC) {
      const bye = await lastHeard(u, (h) => decodeCallEnd(h.data)?.callInviteID === callID);
      expect(decodeCallEnd(bye.data)?.reason).toBe('class_ended');
    }
    for (const s of synthetic) await s.leave();
    await Promise.all([tCall.close(), sCall.close()]);
  }, 120_000);

  it("the teacher's window closing mid-class ends the class in every window, saying the teacher left", async () => {
    await startClass();
    await tCall.getByTestId('ask-hands').click();
    await sCall.getByTestId('prompt-raiseHand').waitFor();
    await tCall.close();
    await sCall.locator('[data-testid="call-page"][data-active="false"]').waitFor({ timeout: 15_000 });
    expect(await sCall.getByTestId('call-ended-notice').textContent()).toBe('teacher (the teacher) left; the class is over.');
    await sCall.screenshot({ path: screenshotPath('call-class-teacher-left.png') });
    for (const u of SYNTHETIC) {
      const bye = await lastHeard(u, (h) => decodeCallEnd(h.data)?.callInviteID === callID);
      expect(decodeCallEnd(bye.data)?.reason).toBe('window_closed');
    }
    // Nothing stale at sam's: no prompt left in his popup.
    const samPopup = await openPopup(sam);
    await samPopup.locator('[data-testid="incoming"]').waitFor({ state: 'detached' });
    await sCall.close();
  }, 240_000);
});
