/**
 * A classroom on the SFU: the teacher's Chromium (fake camera and microphone) runs the
 * call window's SFU module (src/extension/call/sfu/sfu-room.ts) against a real Janus
 * driven by the Ringlet server; 12 synthetic students (werift in Node) join with their
 * own grants and all publish audio, as open microphones. Hands are raised and a student
 * is picked with the classroom invitations: the teacher receives that student's audio
 * and nobody else's; a new pick moves the floor; the speaker lowering the hand, or the
 * teacher taking the floor back, silences the speaker while it keeps sending, and a new
 * pick resumes another. An uninvited user gets no grant and Janus refuses it without one;
 * a token cannot be used twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeClassroom } from '../../src/protocol/call-data.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { JanusConnection, JanusError, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import WebSocket from 'ws';
import { connectClient, type Client } from '../integration/harness.ts';
import { insiderToken, janusAvailable, startTestJanus, until } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { startSfuPageHost, type SfuPageHost } from './sfu-page-host.ts';

const STUDENTS = 12;
const enabled = janusAvailable();

describe.skipIf(!enabled)('classroom through the SFU', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let server: RingletServer;
  let dir: string;
  let host: SfuPageHost;
  let page: Page;
  let teacher: Client;
  let eve: Client;
  const students: Client[] = [];
  const synthetic: SyntheticStudent[] = [];
  let groupID = '';
  let callID = '';
  let teacherGrant: SfuJoin;

  beforeAll(async () => {
    janus = await startTestJanus();
    dir = mkdtempSync(join(tmpdir(), 'ringlet-sfu-e2e-'));
    server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), logLevel: 'silent', groupConsent: false, sfu: janus.sfu });
    const sign = async (u: string) => connectClient(server.url, u, await server.userSig(u, 3600));
    teacher = await sign('teacher');
    eve = await sign('eve');
    for (let i = 1; i <= STUDENTS; i++) students.push(await sign(`s${i}`));
    const g = await teacher.chat.createGroup({ name: 'class', type: 'Meeting', memberList: [...students.map((s) => s.userID), 'eve'] });
    groupID = (g.data as { group: { groupID: string } }).group.groupID;

    host = await startSfuPageHost();
    page = await host.open();
  }, 180_000);

  afterAll(async () => {
    for (const s of synthetic) await s.leave().catch(() => {});
    await host?.close();
    for (const c of [teacher, eve, ...students]) await c?.chat.destroy();
    await server?.close();
    await janus?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The teacher's inbound audio bytes per student, read from the page's subscriber stats. */
  async function heard(): Promise<Record<string, number>> {
    return page.evaluate(async () => {
      const room = (globalThis as unknown as { room: { inboundBytes(): Promise<Map<number, { audio: number }>>; feeds: Map<number, { userID: string }>; receiving: number[] } }).room;
      const bytes = await room.inboundBytes();
      const out: Record<string, number> = {};
      // Every subscribed student, 0 until a packet of theirs arrives.
      for (const feed of room.receiving) out[room.feeds.get(feed)?.userID ?? String(feed)] = bytes.get(feed)?.audio ?? 0;
      return out;
    });
  }

  /** Waits until `userID`'s audio at the teacher has grown by `by` bytes since `from`. */
  async function grows(userID: string, from: number, by: number): Promise<Record<string, number>> {
    return until(async () => {
      const h = await heard();
      return (h[userID] ?? 0) >= from + by ? h : undefined;
    }, `${userID}'s audio to reach the teacher`, 30_000);
  }

  /**
   * The floor is back with the teacher alone (the server's moderation is applied when
   * speakerOf answers) and `who`, still sending, is heard by nobody: the teacher's inbound
   * bytes stand still while the student sends 100 more packets (2 s of audio). The first 25
   * packets let what Janus forwarded before the mute land before the reference reading.
   */
  async function fallsSilent(who: Client): Promise<Record<string, number>> {
    expect(await server.sfu!.speakerOf(callID)).toBeNull();
    const student = synthetic.find((x) => x.userID === who.userID)!;
    const sends = async (n: number) => {
      const at = student.sent();
      await until(() => (student.sent() >= at + n ? true : undefined), `${who.userID} to send ${n} more packets`);
    };
    await sends(25);
    const quiet = await heard();
    await sends(100);
    expect(await heard()).toEqual(quiet);
    return quiet;
  }

  /** The teacher picks a raised hand: a "speak" invitation the student accepts (docs/CALLS.md). */
  async function pick(student: Client): Promise<void> {
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: [student.userID], data: encodeClassroom('speak', 'room-e2e', callID), timeout: 30 });
    await student.chat.accept({ inviteID });
  }

  it('the teacher hears only the student with the floor; a new pick moves it; lowering the hand, the teacher taking it back or the speaker leaving ends it', async () => {
    const data = JSON.stringify({ version: 1, roomID: 'room-e2e', callType: 'video', mode: 'classroom' });
    callID = (await teacher.chat.inviteInGroup({ groupID, inviteeList: students.map((s) => s.userID), data, timeout: 120 })).inviteID;
    for (const s of students) await s.chat.accept({ inviteID: callID });

    // The teacher's window joins with its grant and publishes camera and microphone.
    const grant = (await teacher.chat.getSfuJoin({ inviteID: callID })).data;
    expect(grant.role).toBe('teacher');
    teacherGrant = grant;
    await page.evaluate(async (g: SfuJoin) => {
      const G = globalThis as unknown as { SfuRoom: new (o: object) => { join(): Promise<void>; publish(t: MediaStreamTrack[]): Promise<void> }; room: unknown };
      const room = new G.SfuRoom({ grant: g, userID: 'teacher' });
      G.room = room;
      await room.join();
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      await room.publish(media.getTracks());
    }, grant);

    // Every student joins with its own grant and sends audio from the start.
    for (const s of students) {
      const g = (await s.chat.getSfuJoin({ inviteID: callID })).data;
      expect(g.role).toBe('student');
      synthetic.push(await startSyntheticStudent(s.userID, g));
    }
    await until(async () => (Object.keys(await heard()).length === STUDENTS ? true : undefined), 'the teacher to subscribe to every student', 60_000);

    // Hands up: the teacher asks, every student accepts (raises a hand).
    const hands = await teacher.chat.inviteInGroup({ groupID, inviteeList: students.map((s) => s.userID), data: encodeClassroom('raiseHand', 'room-e2e', callID), timeout: 60 });
    for (const s of students) await s.chat.accept({ inviteID: hands.inviteID });
    await until(() => (teacher.count('ts_invitee_accepted', hands.inviteID) === STUDENTS ? true : undefined), 'every raised hand at the teacher');

    const first = students[4]!;
    const second = students[8]!;
    await pick(first);
    let h = await grows(first.userID, 0, 4000);
    // Nobody else gets through: their bytes do not move while the picked student's grow on.
    const others = (x: Record<string, number>, except: string) => Object.fromEntries(Object.entries(x).filter(([u]) => u !== except));
    const before = others(h, first.userID);
    h = await grows(first.userID, h[first.userID]!, 8000);
    expect(others(h, first.userID)).toEqual(before);

    // A new pick switches the floor: the second student is heard, the first falls silent.
    await pick(second);
    h = await grows(second.userID, h[second.userID] ?? 0, 4000);
    const firstAt = h[first.userID]!;
    const rest = others(others(h, second.userID), first.userID);
    h = await grows(second.userID, h[second.userID]!, 8000);
    expect(h[first.userID]).toBe(firstAt);
    expect(others(others(h, second.userID), first.userID)).toEqual(rest);

    // The speaker lowers the hand: a lowerHand invitation to the teacher (whose worker
    // accepts it quietly). The floor is back with the teacher alone; nobody is heard.
    const lowered = await second.chat.inviteInGroup({ groupID, inviteeList: ['teacher'], data: encodeClassroom('lowerHand', 'room-e2e', callID), timeout: 30 });
    await teacher.chat.accept({ inviteID: lowered.inviteID });
    const quiet = await fallsSilent(second);

    // A new pick resumes another student; the one who lowered the hand stays silent.
    const third = students[2]!;
    await pick(third);
    h = await grows(third.userID, quiet[third.userID] ?? 0, 4000);
    h = await grows(third.userID, h[third.userID]!, 8000);
    expect(others(h, third.userID)).toEqual(others(quiet, third.userID));

    // The teacher takes the floor back (endSpeak to the speaker): the speaker falls silent too.
    const ended = await teacher.chat.inviteInGroup({ groupID, inviteeList: [third.userID], data: encodeClassroom('endSpeak', 'room-e2e', callID), timeout: 30 });
    await third.chat.accept({ inviteID: ended.inviteID });
    const after = await fallsSilent(third);

    // The speaker leaves the room (its connection goes): the server gives the floor back,
    // and the teacher's window hears that participant leave (it then tells everyone, CallPage).
    const fourth = students[3]!;
    await page.evaluate(() => {
      const G = globalThis as unknown as { room: { onLeft: ((u: string) => void) | null }; left: string[] };
      G.left = [];
      G.room.onLeft = (u) => G.left.push(u);
    });
    await pick(fourth);
    await grows(fourth.userID, after[fourth.userID] ?? 0, 4000);
    await synthetic.find((x) => x.userID === fourth.userID)!.leave();
    await until(async () => ((await server.sfu!.speakerOf(callID)) === null ? true : undefined), 'the floor to return to the teacher when the speaker leaves');
    await until(async () => ((await page.evaluate(() => (globalThis as unknown as { left: string[] }).left)).includes(fourth.userID) ? true : undefined), "the teacher's window to see the speaker leave");
  }, 240_000);

  it('an uninvited user gets no join token and Janus refuses it without one', async () => {
    const refused = await eve.chat.getSfuJoin({ inviteID: callID }).then(() => null, (e: { code: number; reason: string }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.NOT_PERMITTED, reason: 'not_participant' });
    // Without a token the server added, Janus opens no session at all (sfu-closed.test.ts)...
    const outsider = await JanusConnection.open(janus.url, (u, p) => new WebSocket(u, p) as unknown as SocketLike).then(() => 'opened', (e: unknown) => (e instanceof JanusError ? e.code : String(e)));
    expect(outsider).toBe(403);
    // ...and with a token of another call, the room itself still refuses her.
    const conn = await JanusConnection.open(janus.url, (u, p) => new WebSocket(u, p) as unknown as SocketLike, { token: await insiderToken(janus) });
    try {
      const handle = await conn.attach();
      const tryJoin = (extra: object) =>
        handle.message({ request: 'join', ptype: 'publisher', room: teacherGrant.room, display: 'eve', ...extra }).then(() => 'joined', (e: unknown) => (e instanceof JanusError ? e.code : String(e)));
      expect(await tryJoin({})).toBe(433);
      expect(await tryJoin({ token: 'a-guessed-token' })).toBe(433);
      // The teacher's token was spent when the teacher's browser joined: nobody can use it again.
      expect(await tryJoin({ token: teacherGrant.token })).toBe(433);
      const sub = await handle.message({ request: 'join', ptype: 'subscriber', room: teacherGrant.room, streams: [{ feed: teacherGrant.feed }] }).then(() => 'subscribed', (e: unknown) => (e instanceof JanusError ? e.code : String(e)));
      expect(sub).not.toBe('subscribed');
    } finally {
      conn.close();
    }
  });
});
