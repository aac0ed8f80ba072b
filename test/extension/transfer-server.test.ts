/**
 * The worker's side of transfer and add someone on the real SDK against a real server
 * (docs/CALLS.md "Transfer and add someone"): bob's worker (the Phone) with alice and carol
 * as SDK clients. What the call window does with it is the e2e test's (test/e2e/transfer).
 */
import { describe, expect, it } from 'vitest';
import { TSignaling } from '../../src/protocol/signaling.ts';
import { decodeCallEnd, decodeInvite, encodeInvite } from '../../src/protocol/call-data.ts';
import { poll, workersOnServer } from './real-phone.ts';

const env = workersOnServer();
let n = 0;
const carol = () => env.h.client(`carol${++n}`);

/** alice calls bob's worker and it answers. */
async function running(b: Awaited<ReturnType<typeof env.bob>>) {
  const { inviteID } = await env.alice.chat.invite({ userID: b.userID, data: encodeInvite('room-1', 'audio'), timeout: 30 });
  await poll(() => b.phone.viewState().incoming.length === 1, 'ringing');
  await b.phone.handle({ type: 'call/accept', inviteID });
  await env.alice.waitFor((e) => e.name === TSignaling.INVITEE_ACCEPTED && e.data.inviteID === inviteID);
  return inviteID;
}

describe('transfer from the worker', () => {
  it('bob transfers: carol rings in alice\'s name marked "by bob", bob\'s call ends at once, alice hears the marker naming the new invitation', async () => {
    const b = await env.bob();
    const c = await carol();
    const call = await running(b);
    await b.phone.handle({ type: 'call/transfer', userID: c.userID });
    expect(b.phone.viewState().active).toBeNull();
    expect(b.phone.viewState().notice).toMatchObject({ key: 'noticeYouTransferred', subs: ['alice', c.userID] });
    const ring = await c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === 'alice');
    expect(decodeInvite(ring.data.data as string).join).toEqual({ kind: 'transfer', by: b.userID, callInviteID: call, parties: ['alice'] });
    const marker = await env.alice.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === b.userID && decodeCallEnd(e.data.data as string) !== null);
    expect(decodeCallEnd(marker.data.data as string)).toMatchObject({ callInviteID: call, reason: 'transferred', transferInviteID: ring.data.inviteID });
    await c.chat.reject({ inviteID: ring.data.inviteID as string });
  });

  it('alice transfers bob: his worker follows it from the server and says so; carol declining is told with her name and alice\'s', async () => {
    const b = await env.bob();
    const c = await carol();
    const call = await running(b);
    const { inviteID: moved } = await env.alice.chat.transferCall({ inviteID: call, userID: c.userID });
    // What alice's worker would send on her side (features/transfer.ts): the marker naming the transfer.
    await env.alice.chat.invite({ userID: b.userID, data: JSON.stringify({ version: 1, callEnd: 3, callInviteID: call, roomID: 'room-1', reason: 'transferred', transferInviteID: moved }), timeout: 30 });
    await poll(() => b.phone.viewState().outgoing.some((o) => o.inviteID === moved), 'the transfer listed as bob\'s own call');
    const view = b.phone.viewState();
    expect(view.active).toBeNull();
    expect(view.outgoing[0]).toMatchObject({ inviteID: moved, inviteeList: [c.userID], join: { kind: 'transfer', by: 'alice' } });
    await c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === moved);
    await c.chat.reject({ inviteID: moved });
    await poll(() => b.phone.viewState().notice?.key === 'noticeTransferDeclined', 'the decline told');
    expect(b.phone.viewState().notice?.subs).toEqual([c.userID, 'alice']);
    expect(b.phone.viewState().outgoing).toEqual([]);
  });

  it('bob adds carol: she rings "bob adds you to a call with alice"; when she answers she is a participant and the call one of several', async () => {
    const b = await env.bob();
    const c = await carol();
    await running(b);
    await b.phone.handle({ type: 'call/add', userID: c.userID });
    const adding = b.phone.viewState().outgoing[0]!;
    expect(adding.join).toMatchObject({ kind: 'add', by: b.userID });
    await c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === adding.inviteID);
    await c.chat.accept({ inviteID: adding.inviteID });
    await poll(() => (b.phone.viewState().active?.participants ?? []).includes(c.userID), 'carol in the call');
    expect(b.phone.viewState().active).toMatchObject({ adHoc: true });
    // bob leaves: alice and carol each get his end-of-call marker.
    await b.phone.handle({ type: 'call/hangup' });
    for (const who of [env.alice, c]) await who.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === b.userID && decodeCallEnd(e.data.data as string) !== null);
  });
});
