/**
 * The extension's call window on the SFU: a student (Chromium with the built extension)
 * accepts a classroom call from the popup; its call window asks the server for a join
 * grant, joins the call's Janus room and receives the teacher (a werift publisher in Node
 * with the teacher's own grant).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { janusAvailable, startTestJanus } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { callWindow, nodeClient, openPopup, launchProfile, rtcSamples, signInThroughOptions, until, type Profile } from './helpers.ts';

const enabled = janusAvailable();

describe.skipIf(!enabled)('the call window on the SFU', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let server: RingletServer;
  let dir: string;
  let student: Profile;
  let teacher: Awaited<ReturnType<typeof nodeClient>>;
  let teacherMedia: SyntheticStudent | null = null;

  beforeAll(async () => {
    janus = await startTestJanus();
    dir = mkdtempSync(join(tmpdir(), 'ringlet-sfu-ext-'));
    server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), deadlinePollMs: 200, logLevel: 'silent', groupConsent: false, sfu: janus.sfu });
    student = await launchProfile('s1');
    await (await signInThroughOptions(student, server.url, 's1', true)).close();
    await server.userSig('s2'); // registers the second student
    teacher = await nodeClient(server, 'teacher');
    await teacher.createGroup({ groupID: 'class', name: 'Class 1', memberList: ['s1', 's2'] });
  }, 120_000);

  afterAll(async () => {
    await teacherMedia?.leave().catch(() => undefined);
    await teacher?.destroy().catch(() => undefined);
    await student?.close().catch(() => undefined);
    await server?.close();
    await janus?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a student accepts a classroom call and hears the teacher through Janus', async () => {
    const data = JSON.stringify({ version: 1, roomID: 'room-ext', callType: 'audio', mode: 'classroom' });
    const { inviteID } = await teacher.inviteInGroup({ groupID: 'class', inviteeList: ['s1', 's2'], data, timeout: 60 });
    const popup = await openPopup(student);
    await popup.getByTestId('incoming').getByRole('button', { name: 'Accept' }).first().click();
    const win = await callWindow(student);

    const grant = (await teacher.getSfuJoin({ inviteID })).data;
    expect(grant.role).toBe('teacher');
    teacherMedia = await startSyntheticStudent('teacher', grant);

    await win.locator('[data-testid="peer-tile"][data-user="teacher"]').waitFor({ timeout: 30_000 });
    const first = await until(async () => (await rtcSamples(win)).teacher?.inAudioBytes, 'the teacher\'s audio at the student', 30_000);
    await until(async () => ((await rtcSamples(win)).teacher?.inAudioBytes ?? 0) > first + 3000, 'the teacher\'s audio to keep flowing', 30_000);
    // A student without the floor is listen-only: its microphone switch is locked.
    await win.locator('[data-testid="call-mute"][aria-label="Listen only"]').waitFor({ timeout: 10_000 });
    expect(await win.getByTestId('call-mute').isDisabled()).toBe(true);
  }, 180_000);
});
