/**
 * The worker's classroom floor (a student's `lowerHand`, the teacher's `endSpeak`) and the
 * server's capabilities, on the real SDK against a real server: without an SFU, and with a
 * real Janus as its SFU. The other side of each call is a Node SDK client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { MESH_LIMIT } from '../../src/protocol/sfu.ts';
import { TSignaling } from '../../src/protocol/signaling.ts';
import { decodeCallEnd, decodeClassroom, encodeCallEnd, encodeClassroom, encodeInvite } from '../../src/protocol/call-data.ts';
import { resetToolbarCache } from '../../src/extension/background/toolbar.ts';
import { resetBadgeViewCache } from '../../src/extension/background/badge-view.ts';
import { startHarness, type Client, type Harness } from '../integration/harness.ts';
import { janusAvailable, startTestJanus } from '../support/janus.ts';
import { bootPhone, poll, signedInPhone } from './real-phone.ts';

let n = 0;
const phones: Array<ReturnType<typeof bootPhone>> = [];

beforeEach(() => {
  fakeBrowser.reset();
  resetToolbarCache();
  resetBadgeViewCache();
});
afterAll(async () => {
  for (const p of phones) await p.destroy();
});

/** A worker signed in as a new password account on `h`'s server. */
async function phoneOn(h: Harness) {
  const w = await signedInPhone(h.server.url, `w${++n}`);
  phones.push(w);
  return w;
}

async function groupOf(owner: Client, members: string[]): Promise<string> {
  return (await owner.chat.createGroup({ name: 'class', type: 'Meeting', memberList: members })).data.group.groupID;
}

const heardFrom = (c: Client, inviter: string, action: string) =>
  c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === inviter && decodeClassroom(e.data.data)?.classroom === action);

describe('the worker on a server without an SFU', () => {
  let h: Harness;
  let alice: Client;
  beforeAll(async () => {
    h = await startHarness({ groupConsent: false });
    alice = await h.client('alice');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the server says mesh only: a group call beyond the mesh is refused before anything is sent', async () => {
    const w = await phoneOn(h);
    expect(await w.phone.handle({ type: 'server/hasSfu' })).toBe(false);
    const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    await expect(w.phone.handle({ type: 'call/dialGroup', groupID: 'team', inviteeList: seven, callType: 'audio' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMETER,
      key: 'errorGroupCallTooLarge',
      subs: [String(MESH_LIMIT)],
    });
    expect(w.phone.viewState().outgoing).toEqual([]);
  });

  it('a student lowers the raised hand: a lowerHand invitation to the teacher, and the hand leaves the list', async () => {
    const w = await phoneOn(h);
    const groupID = await groupOf(alice, [w.userID]);
    const { inviteID: callID } = await alice.chat.inviteInGroup({ groupID, inviteeList: [w.userID], data: encodeInvite('room-1', 'audio', 'classroom'), timeout: 30 });
    await poll(() => w.phone.viewState().incoming.length === 1, 'the group call ringing');
    await expect(w.phone.handle({ type: 'classroom/lowerHand' })).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED }); // not in the call yet
    await w.phone.handle({ type: 'call/accept', inviteID: callID });
    const { inviteID: hands } = await alice.chat.inviteInGroup({ groupID, inviteeList: [w.userID], data: encodeClassroom('raiseHand', 'room-1', callID), timeout: 60 });
    await poll(() => w.phone.viewState().incoming.some((c) => c.inviteID === hands), 'the raise-hand prompt');
    await w.phone.handle({ type: 'call/accept', inviteID: hands });
    await poll(() => w.phone.viewState().classroom?.hands.includes(w.userID) === true, 'the raised hand');
    await expect(w.phone.handle({ type: 'classroom/endSpeak' })).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED, key: 'errorNotAllowed' }); // not the teacher

    await w.phone.handle({ type: 'classroom/lowerHand' });
    const lower = await heardFrom(alice, w.userID, 'lowerHand');
    expect(lower.data).toMatchObject({ groupID, inviteeList: ['alice'] });
    expect(decodeClassroom(lower.data.data)).toEqual({ version: 1, classroom: 'lowerHand', roomID: 'room-1', callInviteID: callID });
    expect(w.phone.viewState()).toMatchObject({ active: { inviteID: callID }, classroom: { hands: [], speaker: null } });
    await expect(w.phone.handle({ type: 'classroom/lowerHand' })).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED }); // nothing left to lower

    // Unasked (the question is answered already): a handUp invitation to the teacher.
    await w.phone.handle({ type: 'classroom/raiseHand' });
    const up = await heardFrom(alice, w.userID, 'handUp');
    expect(up.data).toMatchObject({ groupID, inviteeList: ['alice'] });
    expect(w.phone.viewState().classroom?.hands).toEqual([w.userID]);

    // The teacher ends the class: the hang-up reaches the student, whose call ends, saying so.
    await alice.chat.inviteInGroup({ groupID, inviteeList: [w.userID], data: encodeCallEnd(callID, 'room-1', 12, 'class_ended'), timeout: 30 });
    await poll(() => w.phone.viewState().active === null, 'the class over');
    expect(w.phone.viewState()).toMatchObject({ classroom: null, incoming: [], notice: { key: 'noticeClassEnded', subs: ['alice'] } });
  });

  it('the teacher takes the floor back: an endSpeak invitation to the speaker; with no speaker, refused', async () => {
    const w = await phoneOn(h);
    const own = await h.client(w.userID); // the teacher's other device creates the group
    const carol = await h.client('carol');
    const groupID = await groupOf(own, ['carol']);
    await w.phone.handle({ type: 'call/dialGroup', groupID, inviteeList: ['carol'], callType: 'audio', classroom: true });
    const call = await carol.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.groupID === groupID);
    await carol.chat.accept({ inviteID: call.data.inviteID });
    await poll(() => w.phone.viewState().active?.inviteID === call.data.inviteID, 'the call live');
    await expect(w.phone.handle({ type: 'classroom/endSpeak' })).rejects.toMatchObject({ code: ErrorCode.NOT_PERMITTED }); // no speaker yet

    await w.phone.handle({ type: 'classroom/pick', userID: 'carol' });
    const speak = await heardFrom(carol, w.userID, 'speak');
    await carol.chat.accept({ inviteID: speak.data.inviteID });
    await poll(() => w.phone.viewState().classroom?.speaker === 'carol', 'carol on the floor');

    await w.phone.handle({ type: 'classroom/endSpeak' });
    const end = await heardFrom(carol, w.userID, 'endSpeak');
    expect(end.data).toMatchObject({ groupID, inviteeList: ['carol'] });
    expect(w.phone.viewState().classroom).toMatchObject({ speaker: null, invitedSpeaker: null });

    // carol raises a hand unasked; the teacher lowers every hand.
    const roomID = w.phone.viewState().active!.roomID;
    await carol.chat.inviteInGroup({ groupID, inviteeList: [w.userID], data: encodeClassroom('handUp', roomID, call.data.inviteID), timeout: 30 });
    await poll(() => w.phone.viewState().classroom?.hands.join() === 'carol', "carol's hand at the teacher");
    await w.phone.handle({ type: 'classroom/lowerHands' });
    const lowered = await heardFrom(carol, w.userID, 'lowerHands');
    expect(lowered.data).toMatchObject({ groupID, inviteeList: ['carol'] });
    expect(w.phone.viewState().classroom?.hands).toEqual([]);

    // The teacher hangs up: the class ends for carol too (the hang-up goes to every student).
    await w.phone.handle({ type: 'call/hangup' });
    const over = await carol.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === w.userID && decodeCallEnd(e.data.data) !== null);
    expect(decodeCallEnd(over.data.data)).toMatchObject({ callInviteID: call.data.inviteID, reason: 'class_ended' });
    expect(over.data.inviteeList).toEqual(['carol']);
    await own.chat.destroy();
  });
});

describe.skipIf(!janusAvailable())('the worker on a server with an SFU (real Janus)', () => {
  let janus: Awaited<ReturnType<typeof startTestJanus>>;
  let h: Harness;
  beforeAll(async () => {
    janus = await startTestJanus();
    h = await startHarness({ groupConsent: false, sfu: janus.sfu });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await janus?.cleanup();
  });

  it('the server says it has an SFU: a group call beyond the mesh goes out', async () => {
    const w = await phoneOn(h);
    const own = await h.client(w.userID);
    const students = Array.from({ length: MESH_LIMIT + 1 }, (_, i) => `s${i}`);
    const clients = await Promise.all(students.map((u) => h.client(u)));
    const groupID = await groupOf(own, students);
    expect(await w.phone.handle({ type: 'server/hasSfu' })).toBe(true);
    await w.phone.handle({ type: 'call/dialGroup', groupID, inviteeList: students, callType: 'video' });
    const heard = await clients[MESH_LIMIT]!.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.groupID === groupID);
    expect(heard.data).toMatchObject({ inviter: w.userID, inviteeList: students });
    expect(w.phone.viewState().outgoing).toEqual([expect.objectContaining({ groupID, inviteeList: students, callType: 'video' })]);
    await own.chat.destroy();
  });
});
