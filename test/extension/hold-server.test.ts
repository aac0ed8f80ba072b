/**
 * Hold and call waiting in the worker on a real server (issue 21): accepting a second call
 * holds the first instead of hanging it up (no end-of-call invitation reaches its peer),
 * and who holds a call comes back from the server when the worker starts again, including
 * a change the peer made while it was stopped (getInvitation after login).
 */
import { describe, expect, it } from 'vitest';
import { TSignaling } from '../../src/protocol/signaling.ts';
import { decodeCallEnd, decodeHold, encodeInvite } from '../../src/protocol/call-data.ts';
import { bootPhone, poll, workersOnServer } from './real-phone.ts';

const env = workersOnServer();

describe('hold in the worker on a real server', () => {
  it('an accept that does not say holds the current call: its peer hears the hold, never a hang-up', { timeout: 30_000 }, async () => {
    const b = await env.bob();
    await b.phone.handle({ type: 'settings/set', patch: { whileInCall: 'waiting' } });
    const carol = await env.h.client('carol');
    const { inviteID: first } = await env.alice.chat.invite({ userID: b.userID, data: encodeInvite('room-1', 'audio'), timeout: 30 });
    await poll(() => b.phone.viewState().incoming.length === 1, 'ringing');
    await b.phone.handle({ type: 'call/accept', inviteID: first });
    const { inviteID: second } = await carol.chat.invite({ userID: b.userID, data: encodeInvite('room-2', 'audio'), timeout: 30 });
    await poll(() => b.phone.viewState().incoming.some((c) => c.inviteID === second), 'the second call waiting');
    await b.phone.handle({ type: 'call/accept', inviteID: second });
    const held = await env.alice.waitFor((e) => e.name === TSignaling.INVITATION_MODIFIED && e.data.inviteID === first);
    expect(decodeHold(held.data.data)).toEqual([b.userID]);
    expect(b.phone.viewState()).toMatchObject({ active: { inviteID: second }, held: [{ inviteID: first, holders: [b.userID] }] });
    // alice was not hung up: no end-of-call invitation from bob
    await env.alice.barrier(carol.chat);
    expect(env.alice.events.some((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === b.userID && decodeCallEnd(e.data.data))).toBe(false);
    // switching back holds carol's and resumes alice's
    await b.phone.handle({ type: 'call/hold', inviteID: first, on: false });
    await carol.waitFor((e) => e.name === TSignaling.INVITATION_MODIFIED && e.data.inviteID === second && decodeHold(e.data.data).includes(b.userID));
    await env.alice.waitFor((e) => e.name === TSignaling.INVITATION_MODIFIED && e.data.inviteID === first && decodeHold(e.data.data).length === 0);
    expect(b.phone.viewState().active).toMatchObject({ inviteID: first });
    expect(b.phone.viewState().active?.holders).toBeUndefined();
    await b.phone.handle({ type: 'call/hangup', inviteID: second });
    await b.phone.handle({ type: 'call/hangup', inviteID: first });
  });

  it('who holds comes back from the server when the worker starts again, with what changed while it was stopped', async () => {
    const b = await env.bob();
    const { inviteID } = await env.alice.chat.invite({ userID: b.userID, data: encodeInvite('room-3', 'audio'), timeout: 30 });
    await poll(() => b.phone.viewState().incoming.length === 1, 'ringing');
    await b.phone.handle({ type: 'call/accept', inviteID });
    await b.phone.handle({ type: 'call/hold', inviteID, on: true });
    await env.alice.waitFor((e) => e.name === TSignaling.INVITATION_MODIFIED && e.data.inviteID === inviteID);
    // the worker stops (its session with it); meanwhile alice holds too
    await b.destroy();
    expect((await env.alice.chat.modifyInvitation({ inviteID, data: encodeInvite('room-3', 'audio', undefined, [b.userID, 'alice']) })).code).toBe(0);
    const again = bootPhone();
    try {
      await again.phone.ready;
      await poll(() => (again.phone.viewState().active?.holders ?? []).length === 2, 'both holders read back from the server');
      expect(again.phone.viewState().active).toMatchObject({ inviteID, holders: [b.userID, 'alice'] });
      await again.phone.handle({ type: 'call/hangup' });
    } finally {
      await again.destroy();
    }
  });
});
