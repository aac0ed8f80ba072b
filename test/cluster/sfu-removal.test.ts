/**
 * Removal ends access, on every node (issue 17, attack 7): two nodes on one PostgreSQL and
 * one Redis, one real Janus. A member who accepted a classroom call and receives the
 * teacher through the SFU room (held by the other node) is removed from the group: the
 * media stops arriving at once (its participant and its subscription are kicked), its
 * token opens no Janus session, it gets no new grant, and every member on both nodes hears
 * that it left (the call windows' mesh drops it). A dismissed group's rooms close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { JanusConnection, JanusError, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { EVENT } from '../../src/sdk/index.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { janusAvailable, startTestJanus, until, type TestJanus } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { connectClient, type Client } from '../integration/harness.ts';

const skip = (await skipUnless('postgres', 'redis')) || !janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-r', callType: 'audio', mode: 'classroom' });
const wsFactory = (u: string, p: string) => new WebSocket(u, p) as unknown as SocketLike;

describe.skipIf(skip)('removal from a group ends SFU and mesh access on every node', () => {
  let janus: TestJanus;
  let db: TestStorage;
  let nodes: RingletServer[];
  const clients: Client[] = [];
  const media: SyntheticStudent[] = [];

  beforeAll(async () => {
    janus = await startTestJanus();
    db = await testStorage('sfu-removal', 'postgres');
    const start = () => startServer({ port: 0, ...db.serverOptions, groupConsent: false, redis: REDIS_URL, deadlinePollMs: 400, sfu: { ...janus.sfu, sweepMs: 200 } });
    nodes = [await start(), await start()];
  }, 60_000);
  afterAll(async () => {
    for (const m of media) await m.leave().catch(() => undefined);
    for (const c of clients) await c.chat.destroy().catch(() => undefined);
    for (const n of nodes ?? []) await n.close();
    await db?.cleanup();
    await janus?.cleanup();
  });

  async function client(node: number, userID: string): Promise<Client & { removals: Array<{ groupID: string; userIDList: string[] }> }> {
    const c = await connectClient(nodes[node]!.url, userID, await nodes[node]!.userSig(userID, 600));
    clients.push(c);
    const removals: Array<{ groupID: string; userIDList: string[] }> = [];
    c.chat.on(EVENT.GROUP_MEMBERS_REMOVED, (e) => removals.push(e.data as (typeof removals)[number]));
    return Object.assign(c, { removals });
  }
  const joinAs = (c: Client, inviteID: string) => c.chat.getSfuJoin({ inviteID }).then((r) => r.data as SfuJoin);
  const sessionWith = (token: string) => JanusConnection.open(janus.url, wsFactory, { token }).then((c) => (c.close(), 'opened'), (e: unknown) => (e instanceof JanusError ? e.code : String(e)));

  /**
   * A classroom of `tag`: the teacher (node 0) publishes audio, `b` (node 1, whose node opens
   * the room) subscribes to it and receives packets; `a` (node 0) and `c` (node 1) are members too.
   */
  async function classroom(tag: string) {
    const teacher = await client(0, `${tag}-teacher`);
    const a = await client(0, `${tag}-a`);
    const b = await client(1, `${tag}-b`);
    const c = await client(1, `${tag}-c`);
    const g = await teacher.chat.createGroup({ name: tag, type: 'Meeting', memberList: [a.userID, b.userID, c.userID] });
    const groupID = (g.data as { group: { groupID: string } }).group.groupID;
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: [a.userID, b.userID, c.userID], data: classroomData, timeout: 60 });
    for (const x of [a, b, c]) await x.chat.accept({ inviteID });
    const bGrant = await joinAs(b, inviteID); // node 1 opens the room and holds it
    const tGrant = await joinAs(teacher, inviteID); // forwarded from node 0
    const teacherMedia = await startSyntheticStudent(teacher.userID, tGrant);
    const bMedia = await startSyntheticStudent(b.userID, bGrant);
    media.push(teacherMedia, bMedia);
    await bMedia.subscribe(teacherMedia.feed);
    await until(() => (bMedia.received() >= 50 ? true : undefined), `${b.userID} to receive the teacher`);
    return { teacher, a, b, c, groupID, inviteID, bGrant, teacherMedia, bMedia };
  }

  /** After `sends` more packets from the teacher, `receiver`'s count has not moved (the first 25 let in-flight packets land). */
  async function stopsReceiving(receiver: SyntheticStudent, sender: SyntheticStudent): Promise<void> {
    const sends = async (n: number) => {
      const at = sender.sent();
      await until(() => (sender.sent() >= at + n ? true : undefined), `the teacher to send ${n} more packets`);
    };
    await sends(25);
    const after = receiver.received();
    await sends(100);
    expect(receiver.received()).toBe(after);
  }

  it('the owner removes a member on node 0; the room on node 1 kicks it: media stops, its token and new grants are refused, everyone hears it', async () => {
    const { teacher, a, b, c, groupID, inviteID, bGrant, teacherMedia, bMedia } = await classroom('rm');
    expect(await nodes[1]!.sfu!.joined(inviteID)).toContain(b.userID);

    await teacher.chat.deleteGroupMember({ groupID, userIDList: [b.userID] });
    // The owner node (1) heard it from node 0 and kicked b.
    await until(async () => ((await nodes[0]!.sfu!.joined(inviteID)).includes(b.userID) ? undefined : true), `${b.userID} to be kicked from the room`);
    await stopsReceiving(bMedia, teacherMedia);
    expect(await sessionWith(bGrant.token)).toBe(403);
    await expect(joinAs(b, inviteID)).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED, reason: 'not_participant' });
    // Every member, on both nodes, the removed one included, hears who left (call windows drop it).
    for (const x of [teacher, a, b, c]) {
      await until(() => (x.removals.some((r) => r.groupID === groupID && r.userIDList.join() === b.userID) ? true : undefined), `${x.userID} to hear that ${b.userID} left`);
    }
    // The server relays none of b's call signaling to the group any more.
    const msg = b.chat.createCustomMessage({ to: groupID, conversationType: 'GROUP', payload: { data: '{"businessID":"ringlet.rtc"}' } });
    await expect(b.chat.sendMessage(msg, { onlineUserOnly: true })).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_MEMBER });
    // The others stay: a is granted still.
    expect((await joinAs(a, inviteID)).room).toBe(bGrant.room);
  });

  it('a dismissed group\'s rooms close: its members stop receiving and get no grant', async () => {
    const { teacher, b, groupID, inviteID, bGrant, teacherMedia, bMedia } = await classroom('dis');
    await teacher.chat.dismissGroup(groupID);
    await until(async () => ((await nodes[1]!.sfu!.roomOf(inviteID)) === null ? true : undefined), 'the room to close');
    await stopsReceiving(bMedia, teacherMedia);
    expect(await sessionWith(bGrant.token)).toBe(403);
    await expect(joinAs(b, inviteID)).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED });
    await until(() => (b.removals.some((r) => r.groupID === groupID && r.userIDList.includes(b.userID)) ? true : undefined), `${b.userID} to hear the group went`);
  });
});
