/**
 * One account cannot take every SFU room (issue 17, attack 4), on a real Janus with the
 * default caps (50 rooms per node): a room opens only when an invitee accepts, so
 * classroom invitations to people who never agreed open none; `getSfuJoin` is rate
 * limited; an account that has accomplices accept opens at most its per-user cap, and a
 * group its per-group cap. Through all of it, a real teacher still gets a room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { SFU_DEFAULTS } from '../../src/server/sfu/service.ts';
import { janusAvailable, startTestJanus, type TestJanus } from '../support/janus.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

const enabled = janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-h', callType: 'audio', mode: 'classroom' });
const outcome = (p: Promise<{ data: SfuJoin }>) => p.then(() => 'granted', (e: { code: number; reason: string }) => `${e.code} ${e.reason}`);
const tally = (list: string[]) => list.reduce<Record<string, number>>((t, x) => ((t[x] = (t[x] ?? 0) + 1), t), {});

describe.skipIf(!enabled)('SFU rooms per user and per group (issue 17, attack 4)', () => {
  let janus: TestJanus;
  let h: Harness;
  const groupOf = (r: { data: unknown }) => (r.data as { group: { groupID: string } }).group.groupID;

  beforeAll(async () => {
    janus = await startTestJanus();
    h = await startHarness({ groupConsent: false, sfu: janus.sfu });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await janus?.cleanup();
  });

  /** A real class: the teacher invites three students, one accepts, and the teacher asks for the room. */
  async function realTeacher(tag: string): Promise<string> {
    const teacher = await h.client(`${tag}-teacher`);
    const students = await Promise.all([1, 2, 3].map((i) => h.client(`${tag}-s${i}`)));
    const groupID = groupOf(await teacher.chat.createGroup({ name: 'class', type: 'Meeting', memberList: students.map((s) => s.userID) }));
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: students.map((s) => s.userID), data: classroomData, timeout: 60 });
    await students[0]!.chat.accept({ inviteID });
    return outcome(teacher.chat.getSfuJoin({ inviteID }));
  }

  it('a group of six who never agreed, 60 classroom invitations and 50 getSfuJoin calls open no room; a real teacher gets one', async () => {
    const mallory = await h.client('mallory');
    const victims = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => h.client(`victim${i}`)));
    const groupID = groupOf(await mallory.chat.createGroup({ name: 'hoard', type: 'Meeting', memberList: victims.map((v) => v.userID) }));
    // Ten invitations toward each of the six (the per-pair pending cap), nobody answers.
    const calls: string[] = [];
    for (let i = 0; i < 60; i++) {
      const { inviteID } = await mallory.chat.inviteInGroup({ groupID, inviteeList: [victims[i % 6]!.userID], data: classroomData, timeout: 0 });
      calls.push(inviteID);
    }
    const answers = [];
    for (const inviteID of calls.slice(0, 50)) answers.push(await outcome(mallory.chat.getSfuJoin({ inviteID })));
    // Nobody accepted: no room (8011 not_answered) until the join rate stops the asking (8040 sfu_join_rate).
    const burst = SFU_DEFAULTS.joinRate.burst;
    expect(answers.slice(0, burst)).toEqual(Array(burst).fill(`${ErrorCode.NOT_PERMITTED} not_answered`));
    expect(answers.slice(burst + 2)).toEqual(Array(50 - burst - 2).fill(`${ErrorCode.LIMIT_EXCEEDED} sfu_join_rate`));
    expect(answers).not.toContain('granted');
    expect(await realTeacher('real')).toBe('granted');
  });

  it('an account whose accomplices accept holds at most its per-user cap of rooms, a group its per-group cap; a real teacher still gets one', async () => {
    const boss = await h.client('boss');
    const puppets = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => h.client(`puppet${i}`)));
    const answers: string[] = [];
    // Four groups of two puppets each; three calls per group, every one accepted.
    for (let g = 0; g < 4; g++) {
      const pair = puppets.slice(2 * g, 2 * g + 2);
      const groupID = groupOf(await boss.chat.createGroup({ name: `g${g}`, type: 'Meeting', memberList: pair.map((p) => p.userID) }));
      for (let c = 0; c < 3; c++) {
        const { inviteID } = await boss.chat.inviteInGroup({ groupID, inviteeList: [pair[c % 2]!.userID], data: classroomData, timeout: 0 });
        await pair[c % 2]!.chat.accept({ inviteID });
        answers.push(await outcome((pair[c % 2] as Client).chat.getSfuJoin({ inviteID })));
      }
    }
    // Group 0: two rooms, then its group cap; group 1: the boss's third room, then the user cap; the rest refused.
    expect(tally(answers)).toEqual({
      granted: SFU_DEFAULTS.maxRoomsPerUser,
      [`${ErrorCode.LIMIT_EXCEEDED} sfu_rooms_per_group`]: 1,
      [`${ErrorCode.LIMIT_EXCEEDED} sfu_rooms_per_user`]: 12 - SFU_DEFAULTS.maxRoomsPerUser - 1,
    });
    expect(answers.slice(0, 3)).toEqual(['granted', 'granted', `${ErrorCode.LIMIT_EXCEEDED} sfu_rooms_per_group`]);
    expect(await realTeacher('real2')).toBe('granted');
  });
});
