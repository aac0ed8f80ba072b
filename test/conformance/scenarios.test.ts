/**
 * The seed's two application scenarios, scripted as SDK calls:
 * the 1v1 video call (roomID in data, busy line, hang-up as a new invite carrying the
 * duration) and the classroom hand-raise (inviteInGroup "raise hand", then "speak").
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  CANCELLED,
  expectError,
  expectOk,
  history,
  invite,
  inviteInGroup,
  makeGroup,
  NEW,
  REJECTED,
  signal,
  sorted,
  useHarness,
} from './helpers.ts';

const h = useHarness();

describe('the seed scenario: a 1v1 video call', () => {
  it('rings with the roomID, connects, rejects a second caller as busy, and records the hang-up with its duration in both histories', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');

    // 1. the caller enters a room and invites with the roomID in data
    const roomID = 123456;
    const call = await invite(alice, {
      userID: bob.userID,
      data: JSON.stringify({ roomID, callType: 'video' }),
      timeout: 30,
      offlinePushInfo: { title: 'Alice', description: 'Video call', disablePush: false },
    });
    // 2. the callee hears the invitation and reads the roomID
    const ring = await bob.rec.waitSig(NEW, call);
    expect(JSON.parse(ring.data)).toEqual({ roomID, callType: 'video' });
    // 3. the callee accepts; the caller hears it
    expectOk(await bob.chat.accept({ inviteID: call, data: JSON.stringify({ roomID }) }), call);
    expect(JSON.parse((await alice.rec.waitSig(ACCEPTED, call)).data)).toEqual({ roomID });

    // a second caller while bob is on the line: bob rejects with "line busy" in data
    const second = await invite(carol, { userID: bob.userID, data: JSON.stringify({ roomID: 999, callType: 'audio' }), timeout: 30 });
    await bob.rec.waitSig(NEW, second);
    expectOk(await bob.chat.reject({ inviteID: second, data: JSON.stringify({ line_busy: 'line_busy' }) }), second);
    const busy = await carol.rec.waitSig(REJECTED, second);
    expect(busy.invitee).toBe(bob.userID);
    expect(JSON.parse(busy.data)).toEqual({ line_busy: 'line_busy' });
    await alice.rec.expectNoEvent((e) => e.data?.inviteID === second);

    // 5. hang-up: the side that stays computes the duration and sends a new invite marking the end of the call
    const hangup = await invite(alice, {
      userID: bob.userID,
      data: JSON.stringify({ roomID, cmd: 'hangup', callEnd: 42 }),
      timeout: 0,
    });
    const end = await bob.rec.waitSig(NEW, hangup);
    expect(JSON.parse(end.data)).toEqual({ roomID, cmd: 'hangup', callEnd: 42 });

    // both histories show the call and its length, in order
    for (const [c, conv] of [
      [alice, 'C2C' + bob.userID],
      [bob, 'C2C' + alice.userID],
    ] as const) {
      const sigs = (await history(c, conv)).map(signal).filter(Boolean);
      expect(
        sigs.map((s) => [s.inviteID, s.actionType]),
        `${c.userID}'s history`,
      ).toEqual([
        [call, 1],
        [call, 3],
        [hangup, 1],
      ]);
      expect(JSON.parse(sigs[2].data).callEnd).toBe(42);
    }
    const bobCarol = (await history(bob, 'C2C' + carol.userID)).map(signal).filter(Boolean);
    expect(bobCarol.map((s) => [s.inviteID, s.actionType])).toEqual([
      [second, 1],
      [second, 4],
    ]);
    expect(JSON.parse(bobCarol[1].data)).toEqual({ line_busy: 'line_busy' });
  });
});

describe('the seed scenario: classroom hand-raise', () => {
  it('teacher asks to raise hands, students accept, everyone sees the raised hands; then one student is invited to speak', async () => {
    const teacher = await h().online('teacher');
    const s1 = await h().online('s1');
    const s2 = await h().online('s2');
    const s3 = await h().online('s3');
    const students = [s1, s2, s3];
    const everyone = [teacher, ...students];
    const groupID = await makeGroup(teacher, students.map((s) => s.userID), 'Class 3B');

    // 1. the teacher invites the class to raise hands
    const raise = await inviteInGroup(teacher, {
      groupID,
      inviteeList: students.map((s) => s.userID),
      data: 'raise hand 举手操作',
      timeout: 0,
    });
    // 2. each student sees itself in inviteeList and the "raise hand" data, and accepts
    for (const s of students) {
      const ev = await s.rec.waitSig(NEW, raise);
      expect(ev.data).toBe('raise hand 举手操作');
      expect(ev.inviteeList).toContain(s.userID);
      expect(ev.groupID).toBe(groupID);
    }
    await Promise.all([s1, s2].map((s) => s.chat.accept({ inviteID: raise, data: 'raise hand 举手操作' }).then((r: unknown) => expectOk(r, raise))));

    // 3. every member sees the list of raised hands (except its own, which its promise told it)
    const raised = (c: (typeof everyone)[number]) =>
      c.rec.sig(ACCEPTED, raise).map((d) => d.invitee as string);
    for (const c of everyone) {
      const expected = [s1, s2].filter((s) => s !== c).map((s) => s.userID);
      for (const who of expected) {
        await c.rec.waitFor((e) => e.name === ACCEPTED && e.data.inviteID === raise && e.data.invitee === who);
      }
    }
    await teacher.rec.barrier();
    expect(sorted(raised(teacher))).toEqual(sorted([s1.userID, s2.userID]));
    expect(sorted(raised(s3))).toEqual(sorted([s1.userID, s2.userID]));
    expect(raised(s1)).toEqual([s2.userID]);
    expect(raised(s2)).toEqual([s1.userID]);
    for (const d of teacher.rec.sig(ACCEPTED, raise)) expect(d.data).toBe('raise hand 举手操作');

    // 4. the teacher picks s2 to speak
    const speak = await inviteInGroup(teacher, { groupID, inviteeList: [s2.userID], data: 'speak 发言操作', timeout: 0 });
    for (const s of students) {
      const ev = await s.rec.waitSig(NEW, speak);
      expect(ev.data).toBe('speak 发言操作');
      expect(ev.inviteeList).toEqual([s2.userID]);
    }
    // 5. only the chosen student can take the floor
    await expectError(() => s1.chat.accept({ inviteID: speak }), 8011, 'not_invitee');
    expectOk(await s2.chat.accept({ inviteID: speak, data: 'speak 发言操作' }), speak);
    // 6. everyone else sees who is speaking
    for (const c of [teacher, s1, s3]) {
      const ev = await c.rec.waitSig(ACCEPTED, speak);
      expect(ev).toMatchObject({ invitee: s2.userID, inviter: teacher.userID, groupID, data: 'speak 发言操作' });
    }

    // the hand-raise round is closed by the teacher; s3 (who never raised a hand) stops being asked
    expectOk(await teacher.chat.cancel({ inviteID: raise }), raise);
    for (const c of students) await c.rec.waitSig(CANCELLED, raise);
    await expectError(() => s3.chat.accept({ inviteID: raise }), 8010, 'cancelled');

    // the whole lesson is in the group history, the same for every member
    const expected = [
      [raise, 1],
      [raise, 3],
      [raise, 3],
      [speak, 1],
      [speak, 3],
      [raise, 2],
    ];
    for (const c of everyone) {
      const sigs = (await history(c, 'GROUP' + groupID)).map(signal).filter(Boolean);
      expect(sigs.map((s) => [s.inviteID, s.actionType]), c.userID).toEqual(expected);
    }
  });
});
