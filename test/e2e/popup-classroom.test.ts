/**
 * Starting SFU calls from the popup: a teacher (Chromium with the built extension) starts
 * a class in a group of 7 students from the group's row; the invitation reaches a student
 * (a Node SDK client) with the classroom data and the server routes it to the SFU (the
 * student gets a `student` join grant). On a server without an SFU a call of 8 people is
 * refused in words.
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

/** The popup's groups screen, with the group "Class 1" listed. */
async function openGroups(teacher: Profile) {
  const popup = await openPopup(teacher);
  await popup.locator('[data-testid="status"][data-connection="online"]').waitFor({ timeout: 15_000 });
  await popup.getByTestId('open-groups').click();
  await popup.getByText('Class 1').waitFor();
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

    const popup = await openGroups(setup.teacher);
    await popup.getByRole('button', { name: 'Start a class in Class 1' }).click();

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

  it('refuses a call of 8 people in words and sends nothing', async () => {
    const popup = await openGroups(setup.teacher);
    await popup.getByRole('button', { name: 'Audio call with Class 1' }).click();
    const error = popup.getByTestId('groups-error');
    await until(async () => ((await error.textContent()) ?? '').includes('at most 6 participants') || undefined, 'the refusal of a call beyond the mesh');
    expect(await popup.locator('[data-testid="outgoing"]').count()).toBe(0);
  }, 120_000);
});
