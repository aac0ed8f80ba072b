/**
 * A class goes on when Janus dies (issue 17, "Janus supervised"): the teacher's and a
 * student's Chromium pages run the call window's SFU client (src/extension/call/sfu/
 * sfu-call.ts, with their users' getSfuJoin from the Node SDK); the student hears the
 * teacher; Janus is SIGKILLed mid-call; the supervisor starts it again, the server opens a
 * new room, both windows rejoin with new grants and the student hears the teacher again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { connectClient, type Client } from '../integration/harness.ts';
import { janusAvailable, startTestJanus, until, type TestJanus } from '../support/janus.ts';
import { startSfuPageHost, type SfuPageHost } from './sfu-page-host.ts';

const enabled = janusAvailable();

type PageCall = { samples(): Promise<Record<string, { inAudioBytes: number }>>; rejoins: number; ended: string | null };

describe.skipIf(!enabled)('a class on the SFU survives a Janus restart', () => {
  let janus: TestJanus;
  let server: RingletServer;
  let dir: string;
  let host: SfuPageHost;
  const clients: Client[] = [];

  beforeAll(async () => {
    janus = await startTestJanus();
    dir = mkdtempSync(join(tmpdir(), 'ringlet-sfu-restart-'));
    server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), logLevel: 'silent', groupConsent: false, sfu: janus.sfu });
    host = await startSfuPageHost();
  }, 180_000);

  afterAll(async () => {
    await host?.close();
    for (const c of clients) await c.chat.destroy().catch(() => undefined);
    await server?.close();
    await janus?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A page whose call window SFU client asks `who`'s getSfuJoin (through the Node SDK), joins, and sends its camera and microphone when `send`. */
  async function windowOf(who: Client, inviteID: string, send: boolean): Promise<Page> {
    const page = await host.open();
    await page.exposeFunction('getSfuJoinFromNode', (o: { inviteID: string }) =>
      who.chat.getSfuJoin(o).then((r) => ({ data: r.data }), (e: { code: number; reason: string; message: string }) => ({ error: { code: e.code, reason: e.reason, message: e.message } })));
    await page.evaluate(async ({ inviteID, userID, send }) => {
      type Answer = { data?: unknown; error?: { code: number; reason: string; message: string } };
      const G = globalThis as unknown as {
        SfuCall: { open(chat: object, inviteID: string, userID: string, ice: unknown[]): Promise<{ send(t: MediaStreamTrack[]): Promise<void>; onEnded: ((why: string) => void) | null } | null> };
        getSfuJoinFromNode(o: object): Promise<Answer>;
        call: unknown;
        ended: string | null;
      };
      const chat = {
        async getSfuJoin(o: object) {
          const a = await G.getSfuJoinFromNode(o);
          if (a.error) throw Object.assign(new Error(a.error.message), a.error);
          return { data: a.data };
        },
      };
      const call = await G.SfuCall.open(chat, inviteID, userID, []);
      if (!call) throw new Error('no SFU grant');
      G.call = call;
      G.ended = null;
      call.onEnded = (why) => (G.ended = why);
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      await call.send(send ? media.getTracks() : []);
    }, { inviteID, userID: who.userID, send });
    return page;
  }

  const state = (page: Page) =>
    page.evaluate(async () => {
      const G = globalThis as unknown as { call: PageCall; ended: string | null };
      return { heard: (await G.call.samples()).teacher?.inAudioBytes ?? 0, rejoins: G.call.rejoins, ended: G.ended };
    });

  it('Janus is SIGKILLed mid-class: it is started again, both windows rejoin, and the student hears the teacher again', async () => {
    const sign = async (u: string) => {
      const c = await connectClient(server.url, u, await server.userSig(u, 3600));
      clients.push(c);
      return c;
    };
    const [teacher, s1, s2] = [await sign('teacher'), await sign('s1'), await sign('s2')];
    const g = await teacher.chat.createGroup({ name: 'class', type: 'Meeting', memberList: ['s1', 's2'] });
    const groupID = (g.data as { group: { groupID: string } }).group.groupID;
    const data = JSON.stringify({ version: 1, roomID: 'room-restart', callType: 'video', mode: 'classroom' });
    const { inviteID } = await teacher.chat.inviteInGroup({ groupID, inviteeList: ['s1', 's2'], data, timeout: 120 });
    await s1.chat.accept({ inviteID });
    await s2.chat.accept({ inviteID });

    const teacherPage = await windowOf(teacher, inviteID, true);
    const studentPage = await windowOf(s1, inviteID, false);
    const first = await until(async () => ((await state(studentPage)).heard > 4000 ? (await state(studentPage)).heard : undefined), 'the student to hear the teacher', 30_000);
    expect(first).toBeGreaterThan(4000);
    const roomBefore = await server.sfu!.roomOf(inviteID);

    const restarted = new Promise<number>((resolve) => (janus.onRestart = resolve));
    janus.process.kill('SIGKILL');
    expect(await restarted).toBe(1);

    // Both windows rejoin by themselves (new grants, a new room) and media flows again.
    await until(async () => ((await state(teacherPage)).rejoins >= 1 && (await state(studentPage)).rejoins >= 1 ? true : undefined), 'both windows to rejoin', 60_000);
    expect(await server.sfu!.roomOf(inviteID)).not.toBe(roomBefore);
    // A new subscription counts from zero: the teacher is heard again when it grows past 4000 bytes.
    await until(async () => ((await state(studentPage)).heard > 4000 ? true : undefined), 'the student to hear the teacher again', 30_000);
    expect((await state(studentPage)).ended).toBeNull();
    expect((await state(teacherPage)).ended).toBeNull();
  }, 180_000);
});
