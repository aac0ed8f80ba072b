/**
 * Janus closed to everyone without a live Ringlet grant (issue 17, attacks 1 and 2), on a
 * real Janus started as `npm start` starts it (src/server/sfu/supervisor.ts): nobody opens
 * a session, a handle, or asks `exists`/`listparticipants` without a token the server
 * added for a grant; a grant's token stops working when it expires unused and when its
 * participant leaves; no participant can make Janus record (lock_record); Janus runs as an
 * unprivileged user with its own open-file limit when the tests run as root; and a Janus
 * that dies is started again and new grants open rooms on it.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusConnection, JanusError, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';
import { DEFAULT_MAX_FILES } from '../../src/server/sfu/launch.ts';
import { janusAvailable, startTestJanus, until, type TestJanus } from '../support/janus.ts';
import { startSyntheticStudent, type SyntheticStudent } from '../support/sfu-student.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

const enabled = janusAvailable();
const classroomData = JSON.stringify({ version: 1, roomID: 'room-closed', callType: 'audio', mode: 'classroom' });
const wsFactory = (u: string, p: string) => new WebSocket(u, p) as unknown as SocketLike;
const codeOf = (e: unknown) => (e instanceof JanusError ? e.code : String(e));

/** Sends one raw Janus request on a fresh socket and returns Janus's answer. */
async function raw(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const ws = new WebSocket(url, 'janus-protocol');
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
      ws.send(JSON.stringify({ transaction: 't1', ...body }));
    });
  } finally {
    ws.close();
  }
}

/** Whether `token` still opens a Janus session: 'opened' or Janus's error code. */
async function sessionWith(url: string, token: string | undefined): Promise<'opened' | number | string> {
  try {
    const conn = await JanusConnection.open(url, wsFactory, token === undefined ? {} : { token });
    conn.close();
    return 'opened';
  } catch (e) {
    return codeOf(e);
  }
}

describe.skipIf(!enabled)('Janus closed to outsiders (issue 17, attacks 1 and 2)', () => {
  let janus: TestJanus;
  let h: Harness;
  let teacher: Client, s1: Client, s2: Client;
  let groupID: string;
  const students: SyntheticStudent[] = [];
  const recordings = mkdtempSync(join(tmpdir(), 'ringlet-rec-'));
  let skew = 0;

  beforeAll(async () => {
    janus = await startTestJanus();
    // The server's clock runs `skew` ahead of the real one: grants expire without waiting.
    h = await startHarness({ groupConsent: false, clock: () => Date.now() + skew, sfu: { ...janus.sfu, maxRoomsPerGroup: 50, maxRoomsPerUser: 50, joinRate: { perSecond: 100, burst: 100 } } });
    [teacher, s1, s2] = (await Promise.all(['teacher', 's1', 's2'].map((u) => h.client(u)))) as [Client, Client, Client];
    const g = await teacher.chat.createGroup({ name: 'class', type: 'Meeting', memberList: ['s1', 's2'] });
    groupID = (g.data as { group: { groupID: string } }).group.groupID;
  }, 60_000);
  afterAll(async () => {
    for (const s of students) await s.leave().catch(() => undefined);
    await h?.close();
    await janus?.cleanup();
    rmSync(recordings, { recursive: true, force: true });
  });

  async function classroomCall(): Promise<string> {
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: ['s1', 's2'], data: classroomData, timeout: 60 });
    await s1.chat.accept({ inviteID });
    await s2.chat.accept({ inviteID });
    return inviteID;
  }
  const joinAs = (c: Client, inviteID: string) => c.chat.getSfuJoin({ inviteID }).then((r) => r.data as SfuJoin);

  it('an outsider opens no session and no handle, and cannot ask exists or listparticipants', async () => {
    const callID = await classroomCall();
    const grant = await joinAs(s1, callID);
    // No session without a token the server added, nor with a guessed one.
    expect(await sessionWith(janus.url, undefined)).toBe(403);
    expect(await sessionWith(janus.url, 'a-guessed-token')).toBe(403);
    // Requests on a made-up session or handle are refused before Janus looks them up.
    for (const body of [
      { janus: 'attach', session_id: 1, plugin: 'janus.plugin.videoroom' },
      { janus: 'message', session_id: 1, handle_id: 2, body: { request: 'exists', room: grant.room } },
      { janus: 'message', session_id: 1, handle_id: 2, body: { request: 'listparticipants', room: grant.room } },
    ]) {
      expect(await raw(janus.url, body)).toMatchObject({ janus: 'error', error: { code: 403 } });
    }
    // Only `info` answers anyone, and it says tokens are required.
    expect(await raw(janus.url, { janus: 'info' })).toMatchObject({ janus: 'server_info', auth_token: true });
    // The Admin API is on loopback behind its own secret: a wrong secret gets nothing.
    const adminWs = new WebSocket(janus.sfu.admin.url, 'janus-admin-protocol');
    await new Promise((r) => adminWs.once('open', r));
    const answer = await new Promise<Record<string, unknown>>((resolve) => {
      adminWs.once('message', (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
      adminWs.send(JSON.stringify({ janus: 'add_token', token: 'mine', transaction: 'a1', admin_secret: 'guessed' }));
    });
    adminWs.close();
    expect(answer).toMatchObject({ janus: 'error', error: { code: 403 } });
    expect(await sessionWith(janus.url, 'mine')).toBe(403);
  });

  it('a grant\'s token opens sessions only while it is live: not after it expired unused, nor after its participant left', async () => {
    const callID = await classroomCall();
    const unused = await joinAs(s1, callID);
    expect(await sessionWith(janus.url, unused.token)).toBe('opened');
    // Never joined with for a minute (SFU_DEFAULTS.grantTtlMs): it expires at the next sweep.
    skew += 61_000;
    await h.server.sfu!.sweep();
    expect(await sessionWith(janus.url, unused.token)).toBe(403);

    const used = await joinAs(s1, callID);
    const student = await startSyntheticStudent('s1', used);
    await until(async () => ((await h.server.sfu!.joined(callID)).includes('s1') ? true : undefined), 's1 to join');
    // In the room, past the grant's lifetime: the token stays good while its participant is there.
    skew += 61_000;
    await h.server.sfu!.sweep();
    expect(await sessionWith(janus.url, used.token)).toBe('opened');
    await student.leave();
    await until(async () => ((await sessionWith(janus.url, used.token)) === 403 ? true : undefined), 'the token of a participant who left to be removed');
  });

  it('no participant can make Janus record: record and filename on configure change nothing (lock_record)', async () => {
    // A folder anyone may write: only the room's lock can keep Janus out of it.
    chmodSync(recordings, 0o777);
    const callID = await classroomCall();
    const grant = await joinAs(s2, callID);
    const student = await startSyntheticStudent('s2', grant);
    students.push(student);
    await until(async () => ((await h.server.sfu!.joined(callID)).includes('s2') ? true : undefined), 's2 to join');
    const target = join(recordings, 'chosen-by-s2');
    // Janus answers, but a locked room changes its recording only with the room's secret,
    // which only the server has. Unlocked, Janus would have opened its files at once.
    await student.configure({ record: true, filename: target });
    const at = student.sent();
    await until(() => (student.sent() >= at + 100 ? true : undefined), 's2 to send 100 more packets');
    expect(readdirSync(recordings)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('runs Janus as an unprivileged user with its own open-file limit (the server runs as root here)', () => {
    const pid = janus.process.pid!;
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    expect(Number(uid)).not.toBe(0);
    expect(Number(uid)).toBe(janus.identity!.uid);
    const files = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    expect([Number(files?.[1]), Number(files?.[2])]).toEqual([DEFAULT_MAX_FILES, DEFAULT_MAX_FILES]);
    // Its config (with the Admin API's secret) is readable by that user alone.
    expect(readdirSync(janus.dir).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
  });

  it('a Janus that dies (SIGKILL) is started again at the same address; the next grant opens a new room there', async () => {
    const callID = await classroomCall();
    const before = await joinAs(s1, callID);
    const first = janus.process.pid;
    const restarted = new Promise<number>((resolve) => (janus.onRestart = resolve));
    janus.process.kill('SIGKILL');
    expect(await restarted).toBe(1);
    expect(janus.process.pid).not.toBe(first);
    // The server notices the lost connection and opens a new room on the new Janus.
    const after = await until(() => joinAs(s2, callID).catch(() => undefined), 'a grant from the restarted Janus');
    expect(after.room).not.toBe(before.room);
    expect(await sessionWith(janus.url, after.token)).toBe('opened');
    // The old token died with the old process.
    expect(await sessionWith(janus.url, before.token)).toBe(403);
    const student = await startSyntheticStudent('s2', after);
    students.push(student);
    await until(async () => ((await h.server.sfu!.joined(callID)).includes('s2') ? true : undefined), 's2 to join the new room');
  }, 60_000);
});
