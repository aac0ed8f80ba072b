/**
 * The server drives a real Janus (started here with its own config and ports): join
 * tokens only for the call's inviter and accepted invitees, the room itself refusing
 * anyone without one, rooms torn down when the call ends; grants bound to one join as one
 * feed id and display; the classroom floor given back by the teacher, by the speaker
 * lowering the hand, or by the speaker leaving; the capability answer with and without
 * an SFU.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeClassroom } from '../../src/protocol/call-data.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { JanusConnection, type JanusHandle, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { JanusClient, JanusError } from '../../src/server/sfu/janus.ts';
import { insiderToken, janusAvailable, startTestJanus, until } from '../support/janus.ts';
import { startSyntheticStudent } from '../support/sfu-student.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

describe('server capabilities (getCapabilities)', () => {
  it('a server without an SFU says so: group calls stay on the mesh of 6', async () => {
    const h = await startHarness();
    try {
      const c = await h.client('alice');
      expect((await c.chat.getCapabilities()).data).toEqual({ sfu: false, meshLimit: 6 });
      expect(await c.chat.getCapabilities().then((r) => r.code)).toBe(0);
    } finally {
      await h.close();
    }
  });
});

const enabled = janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-1', callType: 'audio', mode: 'classroom' });

describe.skipIf(!enabled)('SFU rooms on Janus', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let h: Harness;
  let probe: JanusClient;
  let teacher: Client, s1: Client, s2: Client, eve: Client, mallory: Client;
  let groupID: string;
  /** A token Janus accepts, as a participant of another call holds one. */
  let otherToken: string;

  beforeAll(async () => {
    janus = await startTestJanus();
    // Many calls of one group and one teacher at once, and many grants: caps and the join rate are sfu-hoard.test.ts's.
    h = await startHarness({ groupConsent: false, sfu: { ...janus.sfu, emptyGraceMs: 300, joinWindowMs: 60_000, sweepMs: 100, maxRoomsPerGroup: 50, maxRoomsPerUser: 50, joinRate: { perSecond: 100, burst: 100 } } });
    probe = await JanusClient.connect(janus.url, janus.sfu.admin);
    otherToken = await insiderToken(janus);
    [teacher, s1, s2, eve, mallory] = (await Promise.all(['teacher', 's1', 's2', 'eve', 'mallory'].map((u) => h.client(u)))) as [Client, Client, Client, Client, Client];
    const g = await teacher.chat.createGroup({ name: 'class', type: 'Meeting', memberList: ['s1', 's2', 'eve'] });
    groupID = (g.data as { group: { groupID: string } }).group.groupID;
  }, 60_000);
  afterAll(async () => {
    await probe?.close();
    await h?.close();
    await janus?.cleanup();
  });

  async function classroomCall(): Promise<string> {
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: ['s1', 's2', 'eve'], data: classroomData, timeout: 60 });
    await s1.chat.accept({ inviteID });
    await s2.chat.accept({ inviteID });
    return inviteID;
  }

  const wsFactory = (u: string, p: string) => new WebSocket(u, p) as unknown as SocketLike;
  const codeOf = (e: unknown) => (e instanceof JanusError ? e.code : String(e));
  /**
   * One raw Janus participant: joins `room` as a publisher with these fields; answers
   * 'joined' (and the connection) or Janus's error code. Its session uses the token it
   * joins with (or another call's), so only the room's own checks are in play.
   */
  async function rawJoin(room: number, fields: Record<string, unknown>): Promise<{ result: 'joined' | number | string; conn: JanusConnection; handle: JanusHandle; id: number }> {
    const conn = await JanusConnection.open(janus.url, wsFactory, { token: typeof fields.token === 'string' ? fields.token : otherToken });
    const handle = await conn.attach();
    try {
      const r = await handle.message({ request: 'join', ptype: 'publisher', room, ...fields });
      return { result: 'joined', conn, handle, id: Number(r.data.id) };
    } catch (e) {
      return { result: codeOf(e), conn, handle, id: 0 };
    }
  }
  const present = async (room: number, id: number) => {
    const l = await probe.request({ request: 'listparticipants', room });
    return (l.participants as Array<{ id: number }>).some((p) => p.id === id);
  };
  const joinAs = (c: Client, inviteID: string) => c.chat.getSfuJoin({ inviteID }).then((r) => r.data);
  const refusal = (p: Promise<unknown>) => p.then(() => 'granted', (e: { code: number; reason: string }) => `${e.code} ${e.reason}`);
  const exists = async (room: number) => (await probe.request({ request: 'exists', room })).exists === true;

  it('grants the inviter and accepted invitees, with roles; refuses everyone else', async () => {
    const inviteID = await classroomCall();
    const t = await joinAs(teacher, inviteID);
    const a = await joinAs(s1, inviteID);
    expect(t).toMatchObject({ url: janus.url, role: 'teacher', videoBitrate: 512_000 });
    expect(a).toMatchObject({ url: janus.url, role: 'student', room: t.room });
    expect(a.token).not.toBe(t.token);
    expect(a.feed).not.toBe(t.feed);
    // Invited but not accepted; not in the call at all; an unknown invitation.
    expect(await refusal(joinAs(eve, inviteID))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
    expect(await refusal(joinAs(mallory, inviteID))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
    expect(await refusal(joinAs(mallory, 'no-such-invitation'))).toBe(`${ErrorCode.NOT_PERMITTED} not_participant`);
  });

  it('keeps small plain group calls on the mesh', async () => {
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: ['s1'], data: JSON.stringify({ version: 1, roomID: 'r2', callType: 'audio' }), timeout: 60 });
    await s1.chat.accept({ inviteID });
    expect(await refusal(joinAs(s1, inviteID))).toBe(`${ErrorCode.NOT_PERMITTED} mesh_call`);
  });

  it('the room itself refuses a join without a minted token, and subscriptions without a participant\'s private id', async () => {
    const inviteID = await classroomCall();
    const grant: SfuJoin = await joinAs(s2, inviteID);
    // A session of someone who holds a token of another call (outsiders get none at all: sfu-closed.test.ts).
    const intruder = await JanusClient.connect(janus.url, janus.sfu.admin);
    try {
      const tryJoin = (token?: string) =>
        intruder.observe(grant.room, token as string, () => {}).then(
          async (o) => (await o.leave(), 'joined'),
          (e: unknown) => (e instanceof JanusError ? e.code : String(e)),
        );
      expect(await tryJoin(undefined)).toBe(433);
      expect(await tryJoin('guessed-token')).toBe(433);
      expect(await tryJoin(grant.token)).toBe('joined');
      // Subscribing needs the private_id of a participant in the room (require_pvtid).
      const sub = await intruder.request({ request: 'join', ptype: 'subscriber', room: grant.room, streams: [{ feed: grant.feed }] }).then(
        () => 'subscribed',
        (e: unknown) => (e instanceof JanusError ? e.code : String(e)),
      );
      expect(sub).not.toBe('subscribed');
      // Nobody but this server can create rooms (the videoroom's admin_key).
      const created = await intruder.request({ request: 'create', room: 4242 }).then(() => 'created', (e: unknown) => (e instanceof JanusError ? e.code : String(e)));
      expect(created).not.toBe('created');
    } finally {
      await intruder.close();
    }
  });

  it('reports an SFU in its capabilities', async () => {
    expect((await teacher.chat.getCapabilities()).data).toEqual({ sfu: true, meshLimit: 6 });
  });

  it('binds a grant to one join, as its feed id and display: reused tokens, other calls\' tokens, forged ids and displays are refused', async () => {
    const callA = await classroomCall();
    const callB = await classroomCall();
    const a1 = await joinAs(s1, callA);
    const a2 = await joinAs(s2, callA);
    const b2 = await joinAs(s2, callB);
    const tA = await joinAs(teacher, callA);
    const open: JanusConnection[] = [];
    try {
      // The teacher stays in room A throughout: emptied (s1 leaves, the forged ones are
      // kicked), it would be destroyed after the grace (300 ms here), and the joins below
      // must not depend on how fast this machine makes them.
      const anchor = await rawJoin(tA.room, { id: tA.feed, token: tA.token, display: 'teacher' });
      open.push(anchor.conn);
      expect(anchor.result).toBe('joined');

      // A token of another call: that room does not list it.
      const cross = await rawJoin(b2.room, { id: a2.feed, token: a2.token, display: 's2' });
      open.push(cross.conn);
      expect(cross.result).toBe(433);

      // s1 joins as granted; once the server saw the join, its token is spent.
      const first = await rawJoin(a1.room, { id: a1.feed, token: a1.token, display: 's1' });
      open.push(first.conn);
      expect(first.result).toBe('joined');
      await until(async () => ((await h.server.sfu!.joined(callA)).includes('s1') ? true : undefined), 'the server to see s1 join');
      const reused = await rawJoin(a1.room, { token: a1.token, display: 's1' });
      open.push(reused.conn);
      expect(reused.result).toBe(433);

      // s2, with its own valid token, cannot take s1's feed id while s1 is in the room (Janus)...
      const taken = await rawJoin(a1.room, { id: a1.feed, token: a2.token, display: 's1' });
      open.push(taken.conn);
      expect(taken.result).toBe(436);
      // ...nor join as any id the server did not grant it, nor under another user's display.
      for (const fields of [{ token: a2.token, display: 's2' }, { id: a2.feed, token: a2.token, display: 's1' }]) {
        const forged = await rawJoin(a1.room, fields);
        open.push(forged.conn);
        expect(forged.result).toBe('joined'); // Janus admits the token; the server's observer kicks
        await until(async () => ((await present(a1.room, forged.id)) ? undefined : true), `the forged participant ${JSON.stringify(fields)} to be kicked`);
      }
      // When s1 leaves, its feed id is retired: nobody can join as it afterwards.
      first.conn.close();
      await until(async () => ((await present(a1.room, a1.feed)) ? undefined : true), 's1 to leave');
      const retired = await rawJoin(a1.room, { id: a1.feed, token: a2.token, display: 's1' });
      open.push(retired.conn);
      expect(retired.result).toBe('joined');
      await until(async () => ((await present(a1.room, a1.feed)) ? undefined : true), 'the participant reusing a retired feed id to be kicked');
      // None of that spent s2's grant: joining as granted still works, and stays.
      const honest = await rawJoin(a2.room, { id: a2.feed, token: a2.token, display: 's2' });
      open.push(honest.conn);
      expect(honest.result).toBe('joined');
      await until(async () => ((await h.server.sfu!.joined(callA)).includes('s2') ? true : undefined), 'the server to see s2 join');
      expect(await present(a2.room, a2.feed)).toBe(true);
      // Renaming itself to another user later is seen and kicked too.
      await honest.handle.message({ request: 'configure', display: 's1' });
      await until(async () => ((await present(a2.room, a2.feed)) ? undefined : true), 'the participant that renamed itself to s1 to be kicked');
      // A new grant for s1 (a reloaded window) is a new token and a new feed id.
      const again = await joinAs(s1, callA);
      expect(again.token).not.toBe(a1.token);
      expect(again.feed).not.toBe(a1.feed);
    } finally {
      for (const c of open) c.close();
    }
  }, 60_000);

  it('the floor returns to the teacher when the teacher takes it back, the speaker lowers the hand, or the speaker leaves', async () => {
    const callID = await classroomCall();
    await joinAs(teacher, callID);
    const speak = async (who: Client) => {
      const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: [who.userID], data: encodeClassroom('speak', 'room-1', callID), timeout: 30 });
      await who.chat.accept({ inviteID });
      await until(async () => ((await h.server.sfu!.speakerOf(callID)) === who.userID ? true : undefined), `${who.userID} to get the floor`);
    };
    const floorBack = () => until(async () => ((await h.server.sfu!.speakerOf(callID)) === null ? true : undefined), 'the floor to return to the teacher');

    // The teacher takes the floor back (endSpeak to the speaker).
    await speak(s1);
    await teacher.chat.inviteInGroup({ groupID, inviteeList: ['s1'], data: encodeClassroom('endSpeak', 'room-1', callID), timeout: 30 });
    await floorBack();

    // A student who does not have the floor lowering a hand changes nothing; the speaker lowering it gives the floor back.
    await speak(s2);
    await s1.chat.inviteInGroup({ groupID, inviteeList: ['teacher'], data: encodeClassroom('lowerHand', 'room-1', callID), timeout: 30 });
    // speakerOf answers after every classroom step the server took before it (in commit order).
    expect(await h.server.sfu!.speakerOf(callID)).toBe('s2');
    // Nor may a student end someone else's turn.
    await s1.chat.inviteInGroup({ groupID, inviteeList: ['s2'], data: encodeClassroom('endSpeak', 'room-1', callID), timeout: 30 });
    expect(await h.server.sfu!.speakerOf(callID)).toBe('s2');
    await s2.chat.inviteInGroup({ groupID, inviteeList: ['teacher'], data: encodeClassroom('lowerHand', 'room-1', callID), timeout: 30 });
    await floorBack();

    // The speaker's participant leaves the room (its connection goes): the floor is back with the teacher.
    const student = await startSyntheticStudent('s1', await joinAs(s1, callID));
    await speak(s1);
    await student.leave();
    await floorBack();
  }, 60_000);

  it('tears the room down when the call ends (its last participant’s connection is gone)', async () => {
    const inviteID = await classroomCall();
    const grant = await joinAs(s1, inviteID);
    expect(await exists(grant.room)).toBe(true);
    const participant = await rawJoin(grant.room, { id: grant.feed, token: grant.token, display: 's1' });
    expect(participant.result).toBe('joined');
    expect(await present(grant.room, grant.feed)).toBe(true);
    // The participant's connection goes: Janus drops its session (a silent one after the
    // session timeout), the room is empty, and after the grace the server destroys it.
    participant.conn.close();
    await until(async () => ((await exists(grant.room)) ? undefined : true), 'the room to be destroyed', 30_000);
    // A new grant for the same call opens a new room.
    const again = await joinAs(s1, inviteID);
    expect(again.room).not.toBe(grant.room);
  }, 40_000);
});
