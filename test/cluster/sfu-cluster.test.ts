/**
 * SFU rooms in a cluster (src/server/sfu/owners.ts): two nodes on one PostgreSQL and one
 * Redis, one real Janus. A call has one room whichever node its participants are on; the
 * node that opened it holds its state and the other forwards to it: grants (bound by the
 * owner's observer, so a grant asked through the other node admits its participant), the
 * classroom floor moved by an accept that the other node handled, and the questions about
 * it. A claim whose node is gone (nobody listens on its channel, as after a SIGKILL) is
 * dropped at the next grant, and a node that stops gives its calls up to the others. A node
 * started without the SFU the others have says so at start.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeClassroom } from '../../src/protocol/call-data.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { janusAvailable, startTestJanus, until } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { connectClient, type Client } from '../integration/harness.ts';

const skip = (await skipUnless('postgres', 'redis')) || !janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-c', callType: 'audio', mode: 'classroom' });

describe.skipIf(skip)('SFU rooms on a cluster of two nodes', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let db: TestStorage;
  let nodes: RingletServer[];
  let redis: Redis;
  const clients: Client[] = [];
  const students: SyntheticStudent[] = [];

  const startNode = () => startServer({
    port: 0, ...db.serverOptions, groupConsent: false, redis: REDIS_URL, deadlinePollMs: 400,
    sfu: { ...janus.sfu, emptyGraceMs: 60_000, joinWindowMs: 60_000, sweepMs: 200 },
  });
  async function client(node: RingletServer, userID: string): Promise<Client> {
    const c = await connectClient(node.url, userID, await node.userSig(userID, 600));
    clients.push(c);
    return c;
  }
  const joinAs = (c: Client, inviteID: string) => c.chat.getSfuJoin({ inviteID }).then((r) => r.data as SfuJoin);

  beforeAll(async () => {
    janus = await startTestJanus();
    db = await testStorage('sfu-cluster', 'postgres');
    nodes = [await startNode()];
    nodes.push(await startNode());
    redis = new Redis(REDIS_URL);
  }, 60_000);
  afterAll(async () => {
    for (const s of students) await s.leave().catch(() => undefined);
    for (const c of clients) await c.chat.destroy().catch(() => undefined);
    for (const n of nodes ?? []) await n.close();
    redis?.disconnect();
    await db?.cleanup();
    await janus?.cleanup();
  });

  /** A classroom call of `teacher` (node 0) with students on both nodes, both accepted. */
  async function classroom(tag: string): Promise<{ callID: string; groupID: string; teacher: Client; a: Client; b: Client }> {
    const teacher = await client(nodes[0]!, `${tag}-teacher`);
    const a = await client(nodes[0]!, `${tag}-a`);
    const b = await client(nodes[1]!, `${tag}-b`);
    const g = await teacher.chat.createGroup({ name: tag, type: 'Meeting', memberList: [a.userID, b.userID] });
    const groupID = (g.data as { group: { groupID: string } }).group.groupID;
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: [a.userID, b.userID], data: classroomData, timeout: 60 });
    await a.chat.accept({ inviteID });
    await b.chat.accept({ inviteID });
    return { callID: inviteID, groupID, teacher, a, b };
  }

  it('one room per call whichever node asks; a grant asked through the other node admits its participant; the floor moves when the other node handles the accept', async () => {
    const { callID, groupID, teacher, a, b } = await classroom('one');
    // The student on node 1 asks first: node 1 opens the room and owns it.
    const gb = await joinAs(b, callID);
    const [gt, ga] = [await joinAs(teacher, callID), await joinAs(a, callID)];
    expect(new Set([gt.room, ga.room, gb.room]).size).toBe(1);
    expect(new Set([gt.feed, ga.feed, gb.feed]).size).toBe(3);
    expect([gt.role, ga.role, gb.role]).toEqual(['teacher', 'student', 'student']);
    expect(await redis.get(`ringlet:sfu:owner:${callID}`)).toMatch(/^[0-9a-f]{8}$/);
    // Both nodes answer for the same room.
    expect(await nodes[0]!.sfu!.roomOf(callID)).toBe(gb.room);
    expect(await nodes[1]!.sfu!.roomOf(callID)).toBe(gb.room);

    // a's grant was minted through node 0 for node 1's room: node 1's observer admits a.
    const sa = await startSyntheticStudent(a.userID, ga);
    students.push(sa);
    await until(async () => ((await nodes[0]!.sfu!.joined(callID)).includes(a.userID) ? true : undefined), `${a.userID} admitted by the owner's observer`);

    // The teacher (node 0) gives a the floor; a accepts on node 0, the room is on node 1.
    const speak = await teacher.chat.inviteInGroup({ groupID, inviteeList: [a.userID], data: encodeClassroom('speak', 'room-c', callID), timeout: 30 });
    await a.chat.accept({ inviteID: speak.inviteID });
    // The step runs after the accept's reply (as on one node, sfu.test.ts): wait for it, then both nodes agree.
    await until(async () => ((await nodes[0]!.sfu!.speakerOf(callID)) === a.userID ? true : undefined), `${a.userID} to get the floor`);
    expect(await nodes[1]!.sfu!.speakerOf(callID)).toBe(a.userID);
    // a lowers the hand through node 0: the floor is back with the teacher on node 1's room.
    await a.chat.inviteInGroup({ groupID, inviteeList: [teacher.userID], data: encodeClassroom('lowerHand', 'room-c', callID), timeout: 30 });
    await until(async () => ((await nodes[1]!.sfu!.speakerOf(callID)) === null ? true : undefined), 'the floor to return to the teacher');
    // Someone outside the call is refused by whichever node they ask.
    const eve = await client(nodes[1]!, 'one-eve');
    await expect(eve.chat.getSfuJoin({ inviteID: callID })).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED, reason: 'not_participant' });
  });

  it('a claim whose node is gone (nobody listens on its channel) is taken over at the next grant', async () => {
    const { callID, teacher } = await classroom('gone');
    // As a SIGKILLed node leaves it: its claim stays until it expires, and nobody answers.
    await redis.set(`ringlet:sfu:owner:${callID}`, 'deadbeef', 'PX', 60_000);
    const g = await joinAs(teacher, callID);
    expect(await nodes[0]!.sfu!.roomOf(callID)).toBe(g.room);
    expect(await redis.get(`ringlet:sfu:owner:${callID}`)).not.toBe('deadbeef');
  });

  it('a node that stops gives its calls up: the next grant opens a new room on a node still running', async () => {
    const { callID, b, teacher } = await classroom('stop');
    const first = await joinAs(teacher, callID); // node 0 owns it
    const owner = await redis.get(`ringlet:sfu:owner:${callID}`);
    await nodes[0]!.close();
    expect(await redis.get(`ringlet:sfu:owner:${callID}`)).toBeNull();
    const again = await joinAs(b, callID);
    expect(again.room).not.toBe(first.room);
    expect(await nodes[1]!.sfu!.roomOf(callID)).toBe(again.room);
    expect(await redis.get(`ringlet:sfu:owner:${callID}`)).not.toBe(owner);
  });

  it('a node started without the SFU that the live nodes have warns at start, naming the setting', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const plain = await startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, logger });
    try {
      const warned = lines.map((l) => JSON.parse(l) as { setting?: string; theirs?: string; ours?: string; msg: string }).filter((l) => l.setting === 'sfu');
      expect(warned.length).toBeGreaterThan(0);
      expect(warned[0]).toMatchObject({ theirs: 'on', ours: 'off' });
      expect(warned[0]!.msg).toMatch(/same setting/);
    } finally {
      await plain.close();
    }
  });
});
