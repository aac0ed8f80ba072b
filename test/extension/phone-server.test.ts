/**
 * The worker (the Phone) on the real SDK against a real server: what rings, answering,
 * hanging up, missed calls, another device, do-not-disturb, dialling and signing out, with
 * alice and bob's second device as SDK clients. Paths that need an invitation no real
 * server sends (a flood of junk, a userSig refused at boot) stay in phone.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { TSignaling } from '../../src/protocol/signaling.ts';
import { BADGE_VIEW_KEY } from '../../src/extension/shared/schema.ts';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { loadAccount } from '../../src/extension/background/store.ts';
import { bootPhone, poll, signedInPhone, workersOnServer } from './real-phone.ts';

const env = workersOnServer();
const bob = () => env.bob();

const notifications = async () => Object.keys(await fakeBrowser.notifications.getAll());
const badgeText = () => fakeBrowser.action.getBadgeText({});
const badgeView = async () => ((await fakeBrowser.storage.local.get(BADGE_VIEW_KEY))[BADGE_VIEW_KEY] as { items: Array<{ inviteID: string; text: string }> } | undefined)?.items ?? [];
const call = (to: string, extra: { timeout?: number; offlinePushInfo?: { title?: string; description?: string; disablePush?: boolean } } = {}) =>
  env.alice.chat.invite({ userID: to, data: encodeInvite('room-1', 'audio'), timeout: 30, ...extra });

describe('the Phone on a real server', () => {
  it('rings on an invitation: notification, toolbar badge, page badge, ringtone', async () => {
    const b = await bob();
    const { inviteID } = await call(b.userID);
    await poll(async () => (await notifications()).includes(`ring:${inviteID}`), 'the ring notification');
    expect(await badgeText()).toBe('1');
    expect(await badgeView()).toEqual([expect.objectContaining({ inviteID, text: 'alice is calling' })]);
    expect(b.ringtone.playing).toBe(true);
    await env.alice.chat.cancel({ inviteID });
    await poll(async () => (await notifications()).length === 0, 'the ring ending on cancel');
    expect(b.ringtone.playing).toBe(false);
  });

  it("caller identity: the notification names the authenticated caller; offlinePushInfo only adds a line; disablePush never silences a live ring", async () => {
    const b = await bob();
    const { inviteID } = await call(b.userID, { offlinePushInfo: { title: 'Incoming call from Mom', description: 'Join now', disablePush: true } });
    await poll(async () => (await notifications()).includes(`ring:${inviteID}`), 'the ring notification');
    expect((await fakeBrowser.notifications.getAll())[`ring:${inviteID}`]).toMatchObject({
      title: 'Incoming call from alice',
      message: 'Audio call\nalice adds: “Incoming call from Mom · Join now”',
    });
    await env.alice.chat.cancel({ inviteID });
  });

  it('accepting stops the ring everywhere, opens the call page, and alice hears it; hang-up sends the end-of-call invitation', async () => {
    const b = await bob();
    const { inviteID } = await call(b.userID);
    await poll(() => b.phone.viewState().incoming.length === 1, 'ringing');
    await b.phone.handle({ type: 'call/accept', inviteID });
    await env.alice.waitFor((e) => e.name === TSignaling.INVITEE_ACCEPTED && e.data.inviteID === inviteID && e.data.invitee === b.userID);
    expect(await notifications()).toEqual([]);
    expect(await badgeText()).toBe('');
    expect(await badgeView()).toEqual([]);
    expect(b.ringtone.playing).toBe(false);
    expect(b.openCallPage).toHaveBeenCalledOnce();
    expect(b.phone.viewState().active).toMatchObject({ inviteID, peer: 'alice' });
    await b.phone.handle({ type: 'call/hangup' });
    const end = await env.alice.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviter === b.userID);
    expect(JSON.parse(end.data.data)).toMatchObject({ callInviteID: inviteID, callEnd: expect.any(Number) });
    expect(b.phone.viewState().active).toBeNull();
    // The call window's duration is the marker's: the call log reads the same number.
    expect(b.phone.viewState().lastEnded).toEqual({ inviteID, seconds: JSON.parse(end.data.data).callEnd });
  });

  it('a timeout leaves a missed-call notification and the missed count until seen', async () => {
    const b = await bob();
    const { inviteID } = await call(b.userID, { timeout: 1 });
    await poll(async () => (await notifications()).includes(`missed:${inviteID}`), 'the missed-call notification');
    expect(b.phone.viewState()).toMatchObject({ missed: 1, incoming: [] });
    expect(await badgeText()).toBe('1');
    await b.phone.handle({ type: 'history/seen' });
    expect(await badgeText()).toBe('');
    expect(await notifications()).toEqual([]);
  });

  it('stops ringing when the same account answers on another device', async () => {
    const b = await bob();
    const other = await env.h.client(b.userID);
    const { inviteID } = await call(b.userID);
    await poll(async () => (await badgeText()) === '1', 'ringing');
    await other.chat.accept({ inviteID });
    await poll(async () => (await notifications()).length === 0, 'the ring ending');
    expect(b.phone.viewState()).toMatchObject({ active: null, notice: { key: 'noticeAnsweredElsewhere' } });
    await other.chat.destroy();
  });

  it('in do-not-disturb rejects with a busy reason in data and never rings', async () => {
    const b = await bob();
    await b.phone.handle({ type: 'settings/set', patch: { doNotDisturb: true } });
    const { inviteID } = await call(b.userID);
    const rejected = await env.alice.waitFor((e) => e.name === TSignaling.INVITEE_REJECTED && e.data.inviteID === inviteID);
    expect(JSON.parse(rejected.data.data)).toMatchObject({ reason: 'busy', detail: 'do_not_disturb' });
    expect(b.ringtone.playing).toBe(false);
    expect(await notifications()).toEqual([]);
  });

  it('dials with call data and shows the outgoing call until it is cancelled', async () => {
    const b = await bob();
    await b.phone.handle({ type: 'call/dial', userID: 'alice', callType: 'video' });
    const [out] = b.phone.viewState().outgoing;
    expect(out).toMatchObject({ inviter: b.userID, inviteeList: ['alice'], pending: ['alice'], callType: 'video', direction: 'outgoing' });
    const heard = await env.alice.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === out!.inviteID);
    expect(heard.data).toMatchObject({ inviter: b.userID, timeout: 30 });
    expect(JSON.parse(heard.data.data)).toMatchObject({ callType: 'video', roomID: out!.roomID });
    expect(await badgeView()).toEqual([expect.objectContaining({ text: 'Calling alice…' })]);
    await b.phone.handle({ type: 'call/cancel', inviteID: out!.inviteID });
    expect(b.phone.viewState().outgoing).toEqual([]);
    await env.alice.waitFor((e) => e.name === TSignaling.INVITATION_CANCELLED && e.data.inviteID === out!.inviteID);
  });

  it('signing out revokes the userSig: the server refuses it afterwards, and the account and calls are forgotten', async () => {
    const b = await bob();
    const { userSig } = (await loadAccount())!;
    await b.phone.handle({ type: 'account/signOut' });
    expect(b.phone.viewState()).toMatchObject({ connection: 'signedOut', userID: null, incoming: [] });
    expect(await fakeBrowser.storage.session.get('account')).toEqual({});
    const res = await fetch(`${env.h.server.httpUrl}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${userSig}`, 'content-type': 'application/json' }, body: '{}' });
    expect((await res.json()).code).toBe(70001); // already revoked
  });
});
