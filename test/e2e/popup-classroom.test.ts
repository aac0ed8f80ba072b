/**
 * Starting SFU calls from the popup: a teacher (Chromium with the built extension) calls a
 * group of 7 students "as classroom"; the invitation reaches a student (a Node SDK client)
 * with the classroom data and the server routes it to the SFU (the student gets a
 * `student` join grant). On a server without an SFU the popup keeps the 6-person cap and
 * says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import type { SfuOptions } from '../../src/server/sfu/service.ts';
import { isClassroomCall } from '../../src/protocol/sfu.ts';
import { janusAvailable, startTestJanus } from '../support/janus.ts';
import { launchProfile, nodeClient, openPopup, signInThroughOptions, TSignaling, until, type Profile } from './helpers.ts';

const STUDENTS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];

/** A server (with or without Janus), the teacher signed in in Chromium, and a group of 7 students owned by the teacher. */
async function classroomSetup(name: string, sfu: SfuOptions | null) {
  const dir = mkdtempSync(join(tmpdir(), `ringlet-${name}-`));
  const server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), deadlinePollMs: 200, logLevel: 'silent', groupConsent: false, ...(sfu ? { sfu } : {}) });
  const teacher = await launchProfile(`${name}-teacher`);
  await (await signInThroughOptions(teacher, server.url, 'teacher', true)).close();
  for (const s of STUDENTS) await server.userSig(s); // registers the students
  const owner = await nodeClient(server, 'teacher');
  await owner.createGroup({ groupID: 'class', name: 'Class 1', memberList: STUDENTS });
  await owner.destroy();
  const close = async () => {
    await teacher.close().catch(() => undefined);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { server, teacher, close };
}

/** The popup with the group "Class 1" opened for calling, every member chosen. */
async function openGroupCall(teacher: Profile) {
  const popup = await openPopup(teacher);
  await popup.locator('[data-testid="status"][data-connection="online"]').waitFor({ timeout: 15_000 });
  await popup.getByText('Groups').click();
  await popup.getByRole('button', { name: 'Call group' }).click();
  await popup.locator('.invitees input[type="checkbox"]:checked').nth(STUDENTS.length - 1).waitFor();
  return popup;
}

describe.skipIf(!janusAvailable())('the popup starts a classroom on the SFU', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let setup: Awaited<ReturnType<typeof classroomSetup>>;
  let student: Awaited<ReturnType<typeof nodeClient>>;

  beforeAll(async () => {
    janus = await startTestJanus();
    setup = await classroomSetup('popup-sfu', janus.sfu);
    student = await nodeClient(setup.server, 's1');
  }, 120_000);

  afterAll(async () => {
    await student?.destroy().catch(() => undefined);
    await setup?.close();
    await janus?.cleanup();
  });

  it('the group owner calls 7 students as a classroom; a student gets the classroom invitation and a student grant', async () => {
    const received: Array<{ inviteID: string; inviter: string; groupID: string; inviteeList: string[]; data: string }> = [];
    student.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e) => received.push(e.data as (typeof received)[number]));

    const popup = await openGroupCall(setup.teacher);
    // The server has an SFU: more than 6 people are allowed, and the popup says how.
    await until(async () => (await popup.getByTestId('group-limit').textContent())?.includes('SFU'), 'the popup to learn the server has an SFU');
    expect(await popup.getByTestId('call-group').isEnabled()).toBe(true);
    await popup.getByTestId('start-classroom').check();
    await popup.getByTestId('call-group').click();

    const inv = await until(async () => received.find((r) => r.inviter === 'teacher'), 'the classroom invitation at the student', 20_000);
    expect(inv.groupID).toBe('class');
    expect([...inv.inviteeList].sort()).toEqual(STUDENTS);
    expect(JSON.parse(inv.data)).toMatchObject({ version: 1, mode: 'classroom', roomID: expect.any(String) });
    expect(isClassroomCall(inv.data)).toBe(true);

    // The server routes it to the SFU: a student who accepted gets a listen-only grant.
    await student.accept({ inviteID: inv.inviteID });
    const grant = (await student.getSfuJoin({ inviteID: inv.inviteID })).data;
    expect(grant.role).toBe('student');
  }, 180_000);
});

describe('the popup on a server without an SFU', () => {
  let setup: Awaited<ReturnType<typeof classroomSetup>>;

  beforeAll(async () => {
    setup = await classroomSetup('popup-mesh', null);
  }, 120_000);

  afterAll(async () => {
    await setup?.close();
  });

  it('keeps the 6-person cap and says the server has no SFU', async () => {
    const popup = await openGroupCall(setup.teacher);
    const limit = popup.getByTestId('group-limit');
    await until(async () => (await limit.textContent())?.includes('no SFU'), 'the popup to learn the server has no SFU');
    expect(await limit.getAttribute('class')).toBe('error');
    expect(await popup.getByTestId('call-group').isDisabled()).toBe(true);
    // Six people (the teacher and 5 students) are a mesh call again.
    await popup.getByRole('checkbox', { name: 's7' }).uncheck();
    await popup.getByRole('checkbox', { name: 's6' }).uncheck();
    await until(async () => (await limit.getAttribute('class')) === 'sub', 'the cap to be met');
    expect(await popup.getByTestId('call-group').isEnabled()).toBe(true);
  }, 120_000);
});
