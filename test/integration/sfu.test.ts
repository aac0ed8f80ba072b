/**
 * The server drives a real Janus (started here with its own config and ports): join
 * tokens only for the call's inviter and accepted invitees, the room itself refusing
 * anyone without one, rooms torn down when the call ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { JanusClient, JanusError } from '../../src/server/sfu/janus.ts';
import { janusAvailable, startTestJanus, until } from '../support/janus.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

const enabled = janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-1', callType: 'audio', mode: 'classroom' });

describe.skipIf(!enabled)('SFU rooms on Janus', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let h: Harness;
  let probe: JanusClient;
  let teacher: Client, s1: Client, s2: Client, eve: Client, mallory: Client;
  let groupID: string;

  beforeAll(async () => {
    janus = await startTestJanus();
    h = await startHarness({ sfu: { url: janus.url, adminKey: janus.adminKey, emptyGraceMs: 300, joinWindowMs: 60_000, sweepMs: 100 } });
    probe = await JanusClient.connect(janus.url);
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
    const intruder = await JanusClient.connect(janus.url);
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

  it('tears the room down when the call ends (its last participant’s connection is gone)', async () => {
    const inviteID = await classroomCall();
    const grant = await joinAs(s1, inviteID);
    expect(await exists(grant.room)).toBe(true);
    const participant = await JanusClient.connect(janus.url);
    const joined = await participant.observe(grant.room, grant.token, () => {});
    expect(joined.feed).toBeGreaterThan(0);
    const inRoom = async () => {
      const l = await probe.request({ request: 'listparticipants', room: grant.room });
      return (l.participants as Array<{ id: number }>).some((p) => p.id === joined.feed);
    };
    expect(await inRoom()).toBe(true);
    // The participant's connection goes: Janus drops its session (a silent one after the
    // session timeout), the room is empty, and after the grace the server destroys it.
    await participant.close();
    await until(async () => ((await exists(grant.room)) ? undefined : true), 'the room to be destroyed', 30_000);
    // A new grant for the same call opens a new room.
    const again = await joinAs(s1, inviteID);
    expect(again.room).not.toBe(grant.room);
  }, 40_000);
});
