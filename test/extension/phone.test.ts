/**
 * The Phone over a small fake of the SDK (fake-chat.ts), for what a test must stage
 * exactly: invitations delivered at login, a worker restarted over the same storage,
 * membership reasons, classroom and SFU answers, a refused userSig at boot, a flood of
 * junk. The everyday paths run on the real SDK and a real server in phone-server.test.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { Phone } from '../../src/extension/background/phone.ts';
import { ErrorCode, RingletError } from '../../src/protocol/errors.ts';
import { isClassroomCall } from '../../src/protocol/sfu.ts';
import { TSignaling as SIGNAL } from '../../src/protocol/signaling.ts';
import { silentRingtone } from '../../src/extension/background/ringtone.ts';
import { resetToolbarCache } from '../../src/extension/background/toolbar.ts';
import { resetBadgeViewCache } from '../../src/extension/background/badge-view.ts';
import { BADGE_VIEW_KEY } from '../../src/extension/shared/schema.ts';
import { encodeClassroom, encodeInvite } from '../../src/protocol/call-data.ts';
import { FakeChat, signal } from './fake-chat.ts';
import { settled } from './settled.ts';

const invitation = (over: Record<string, unknown> = {}) => ({
  inviteID: 'inv-1',
  inviter: 'alice',
  groupID: '',
  inviteeList: ['bob'],
  data: encodeInvite('room', 'audio'),
  timeout: 30,
  remaining: 30,
  ...over,
});

/** Boots a worker (a Phone) over the fake browser's storage, as the real entry would. */
function boot(opts: { chats?: FakeChat[]; prepare?: (c: FakeChat) => void; logoutStatus?: number } = {}) {
  const chats = opts.chats ?? [];
  const requests: Array<{ url: string; authorization: string | null; body: unknown }> = [];
  const ringtone = silentRingtone();
  const openCallPage = vi.fn(async () => undefined);
  resetToolbarCache();
  resetBadgeViewCache();
  const phone = new Phone({
    createChat: ({ server }) => {
      const c = new FakeChat(server);
      opts.prepare?.(c);
      chats.push(c);
      return c;
    },
    ringtone,
    openCallPage,
    fetch: async (url, init) => {
      const body = JSON.parse(String(init?.body));
      requests.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization'), body });
      if (String(url).endsWith('/api/logout')) {
        const status = opts.logoutStatus ?? 200;
        return new Response(status === 200 ? JSON.stringify({ code: 0, data: {} }) : 'not found', { status });
      }
      if (String(url).endsWith('/api/login') && body.password === 'pw') {
        return new Response(JSON.stringify({ code: 0, data: { userID: body.userID, userSig: `sig-${body.userID}`, expiresIn: 3600, deviceToken: `device-of-${body.userID}` } }));
      }
      return new Response(JSON.stringify({ code: 70003, reason: 'bad_credentials' }), { status: 401 });
    },
  });
  const chat = () => chats.at(-1)!;
  return { phone, chats, chat, ringtone, openCallPage, requests };
}

async function signedIn(prepare?: (c: FakeChat) => void, logoutStatus?: number) {
  const w = boot({ prepare, ...(logoutStatus ? { logoutStatus } : {}) });
  await w.phone.ready;
  await w.phone.handle({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'bob', password: 'pw', create: false });
  return w;
}

const notifications = async () => Object.keys(await fakeBrowser.notifications.getAll());
const badgeText = () => fakeBrowser.action.getBadgeText({});
const badgeView = async () => ((await fakeBrowser.storage.local.get(BADGE_VIEW_KEY))[BADGE_VIEW_KEY] as { items: unknown[] }).items;

describe('Phone (the background worker)', () => {
  beforeEach(() => fakeBrowser.reset());

  it('signs in with a password, stores the userSig (never the password) and logs in', async () => {
    const { chat, phone } = await signedIn();
    expect(chat().called('login')).toEqual([{ userID: 'bob', userSig: 'sig-bob' }]);
    expect(phone.viewState()).toMatchObject({ connection: 'online', userID: 'bob' });
    // Trusted contexts only: never in storage.local, which content scripts read.
    const trusted = JSON.stringify(await fakeBrowser.storage.session.get(null));
    expect(trusted).toContain('sig-bob');
    expect(trusted).not.toContain('"pw"');
    const local = JSON.stringify(await fakeBrowser.storage.local.get(null));
    expect(local).not.toContain('sig-bob');
    expect(local).not.toContain('"pw"');
  });

  it('keeps the device token in the vault (never storage.local), across sign-out, and sends it with the next sign-in', async () => {
    const w = await signedIn();
    expect(w.requests.find((r) => r.url.endsWith('/api/login'))?.body).not.toHaveProperty('deviceToken');
    expect(JSON.stringify(await fakeBrowser.storage.session.get(null))).toContain('device-of-bob');
    expect(JSON.stringify(await fakeBrowser.storage.local.get(null))).not.toContain('device-of-bob');
    await w.phone.handle({ type: 'account/signOut' });
    expect(JSON.stringify(await fakeBrowser.storage.session.get(null))).toContain('device-of-bob');
    await w.phone.handle({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'bob', password: 'pw', create: false });
    const logins = w.requests.filter((r) => r.url.endsWith('/api/login'));
    expect(logins.at(-1)?.body).toMatchObject({ userID: 'bob', password: 'pw', deviceToken: 'device-of-bob' });
    // Another user on this browser is a new device for that account.
    await w.phone.handle({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'carl', password: 'pw', create: false });
    expect(w.requests.filter((r) => r.url.endsWith('/api/login')).at(-1)?.body).not.toHaveProperty('deviceToken');
  });

  it('moves an account and call state kept in storage.local by an earlier version into the vault', async () => {
    await fakeBrowser.storage.local.set({
      account: { server: 'ws://127.0.0.1:8787', userID: 'bob', userSig: 'old-sig' },
      callState: { calls: [], active: null, missed: 2, notice: null },
    });
    const { phone, chat } = boot();
    await settled(() => expect(phone.viewState().connection).toBe('online'));
    expect(chat().called('login')).toEqual([{ userID: 'bob', userSig: 'old-sig' }]);
    expect(phone.viewState().missed).toBe(2);
    expect(await fakeBrowser.storage.local.get(['account', 'callState'])).toEqual({});
  });

  it('reports wrong credentials with the server code', async () => {
    const w = boot();
    await expect(
      w.phone.handle({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'bob', password: 'nope', create: false }),
    ).rejects.toMatchObject({ code: 70003 });
    expect(w.chats).toEqual([]);
  });

  it("caller's switches: disablePush silences only the notification of an invitation delivered at login", async () => {
    const quiet = { ...invitation({ inviteID: 'quiet', offlinePushInfo: { disablePush: true } }), inviter: 'carol' };
    const loud = invitation({ inviteID: 'loud' });
    // Delivered while logging in: announced during login and listed as pending.
    const { chat, phone } = await signedIn((c) => {
      c.pending = [quiet, loud];
    });
    await settled(async () => expect(await badgeText()).toBe('2'));
    expect(await notifications()).toEqual(['ring:loud']);
    expect(phone.viewState().incoming.map((c) => c.inviteID).sort()).toEqual(['loud', 'quiet']); // still rings in the popup and badge
    // The callee's own settings decide the rest.
    await phone.handle({ type: 'settings/set', patch: { notifications: false } });
    expect(await notifications()).toEqual([]);
    void chat;
  });

  it('silence stops the ringtone only: the call still rings in the badge, toolbar and popup, and can be accepted', async () => {
    const { chat, ringtone, phone } = await signedIn();
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ data: encodeInvite('room', 'video') }));
    await settled(() => expect(ringtone.playing).toBe(true));
    expect(await badgeView()).toEqual([
      expect.objectContaining({
        app: 'Ringlet',
        text: 'alice is calling',
        callType: 'video',
        callTypeLabel: 'Video call',
        buttons: [expect.objectContaining({ action: 'accept' }), expect.objectContaining({ action: 'reject' }), { action: 'silence', label: 'Silence' }],
      }),
    ]);
    await phone.handle({ type: 'call/silence', inviteID: 'inv-1' });
    expect(ringtone.playing).toBe(false);
    expect(chat().called('reject')).toEqual([]); // nothing reaches the server
    expect(await badgeText()).toBe('1');
    expect(await notifications()).toEqual(['ring:inv-1']);
    expect(phone.viewState().incoming).toEqual([expect.objectContaining({ inviteID: 'inv-1', silenced: true })]);
    const [item] = (await badgeView()) as Array<{ buttons: Array<{ action: string }> }>;
    expect(item!.buttons.map((b) => b.action)).toEqual(['accept', 'reject']); // no second "Silence"
    // A later call rings again; silencing an invitation that is not ringing is an error.
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ inviteID: 'inv-2', inviter: 'carol' }));
    await settled(() => expect(ringtone.playing).toBe(true));
    await expect(phone.handle({ type: 'call/silence', inviteID: 'nope' })).rejects.toMatchObject({ code: 8010 });
    await phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    expect(phone.viewState().active).toMatchObject({ peer: 'alice' });
  });

  it('the toolbar tooltip says who is calling while it rings, and the app name otherwise (en and zh_CN)', async () => {
    const { chat, phone } = await signedIn();
    const title = () => fakeBrowser.action.getTitle({});
    expect(await title()).not.toMatch(/calling/);
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(async () => expect(await title()).toBe('alice is calling'));
    await phone.handle({ type: 'settings/set', patch: { language: 'zh_CN' } });
    await settled(async () => expect(await title()).toBe('alice 来电'));
    await phone.handle({ type: 'call/reject', inviteID: 'inv-1' });
    expect(await title()).toBe('Ringlet');
  });

  it('a hang-up asked by the call window carries its reason, and a stale window cannot end a newer call', async () => {
    const w = await signedIn();
    w.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(async () => expect(await badgeText()).toBe('1'));
    await w.phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    await w.phone.handle({ type: 'call/hangup', inviteID: 'older-call', reason: 'peer_lost' });
    expect(w.phone.viewState().active).not.toBeNull();
    await w.phone.handle({ type: 'call/hangup', inviteID: 'inv-1', reason: 'peer_lost' });
    expect(JSON.parse(String(w.chat().called('invite')[0]!.data))).toMatchObject({ callInviteID: 'inv-1', reason: 'peer_lost' });
    expect(w.phone.viewState()).toMatchObject({ active: null, notice: { key: 'noticePeerLost', subs: ['alice'] } });
  });

  it('classroom: a student raises a hand by accepting, without ringing and without leaving the call', async () => {
    const w = await signedIn();
    const call = invitation({ groupID: 'class', inviteeList: ['bob', 'carol'], data: encodeInvite('room', 'audio', 'classroom') });
    w.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, call);
    await settled(async () => expect(await badgeText()).toBe('1'));
    await w.phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    w.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ inviteID: 'hands', groupID: 'class', inviteeList: ['bob', 'carol'], data: encodeClassroom('raiseHand', 'room', 'inv-1') }));
    await settled(async () => expect(await badgeView()).toHaveLength(1));
    expect(w.ringtone.playing).toBe(false);
    expect(await notifications()).toEqual([]);
    await w.phone.handle({ type: 'call/accept', inviteID: 'hands' });
    expect(w.chat().called('invite')).toEqual([]); // no hang-up of the group call
    expect(w.phone.viewState()).toMatchObject({ active: { inviteID: 'inv-1' }, classroom: { hands: ['bob'] }, incoming: [] });
  });

  it('only the group owner leads a classroom, and a group call has at most 6 participants', async () => {
    const w = await signedIn();
    await expect(w.phone.handle({ type: 'classroom/pick', userID: 'carol' })).rejects.toMatchObject({ code: 8011 });
    await expect(w.phone.handle({ type: 'call/dialGroup', groupID: 'team', inviteeList: ['a', 'b', 'c', 'd', 'e', 'f'], callType: 'audio' })).rejects.toMatchObject({ code: 8001 });
    expect(w.chat().called('inviteInGroup')).toEqual([]);
  });

  it('the server\'s capabilities are asked once per SDK session; a server without getCapabilities, or a failed question, counts as mesh only', async () => {
    const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const w = await signedIn((c) => (c.sfu = true));
    expect(await w.phone.handle({ type: 'server/hasSfu' })).toBe(true);
    await w.phone.handle({ type: 'call/dialGroup', groupID: 'team', inviteeList: seven, callType: 'video' });
    expect(await w.phone.handle({ type: 'server/hasSfu' })).toBe(true);
    expect(w.chat().called('getCapabilities')).toEqual([{}]);

    fakeBrowser.reset();
    const old = await signedIn((c) => (c.sfu = true));
    old.chat().failNext.getCapabilities = new RingletError(ErrorCode.INVALID_PARAMETER, 'op', 'operation getCapabilities is not served here');
    expect(await old.phone.handle({ type: 'server/hasSfu' })).toBe(false);
    await expect(old.phone.handle({ type: 'call/dialGroup', groupID: 'team', inviteeList: seven, callType: 'audio' })).rejects.toMatchObject({
      key: 'errorGroupCallTooLarge',
    });
    expect(old.chat().called('inviteInGroup')).toEqual([]);
  });

  it('the group owner starts a classroom: the invitation data says mode classroom; anyone else is refused', async () => {
    const teacher = await signedIn((c) => (c.groupOwner = 'bob'));
    await teacher.phone.handle({ type: 'call/dialGroup', groupID: 'class', inviteeList: ['carol', 'dave'], callType: 'video', classroom: true });
    const [sent] = teacher.chat().called('inviteInGroup');
    expect(sent).toMatchObject({ groupID: 'class', inviteeList: ['carol', 'dave'] });
    const data = JSON.parse(String(sent!.data));
    expect(data).toEqual({ version: 1, roomID: expect.any(String), callType: 'video', mode: 'classroom' });
    expect(isClassroomCall(String(sent!.data))).toBe(true); // what the server routes to the SFU
    expect(teacher.phone.viewState().outgoing).toEqual([expect.objectContaining({ roomID: data.roomID, groupOwner: 'bob' })]);

    fakeBrowser.reset();
    const student = await signedIn((c) => (c.groupOwner = 'alice'));
    await expect(
      student.phone.handle({ type: 'call/dialGroup', groupID: 'class', inviteeList: ['carol'], callType: 'audio', classroom: true }),
    ).rejects.toMatchObject({ code: 8011 });
    expect(student.chat().called('inviteInGroup')).toEqual([]);
  });

  it('stops ringing on left_group for my own user (my quitGroup, on this or another session) without refetching', async () => {
    const { chat, phone, ringtone } = await signedIn();
    const group = invitation({ groupID: 'team', inviteeList: ['bob', 'carol'] });
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, group);
    await settled(async () => expect(await notifications()).toEqual(['ring:inv-1']));
    expect(ringtone.playing).toBe(true);
    const refetches = chat().called('getPendingInvitations').length;
    chat().emit(SIGNAL.INVITEE_REJECTED, { inviteID: 'inv-1', inviter: 'alice', groupID: 'team', invitee: 'bob', data: '', reason: 'left_group' });
    await settled(async () => expect(await notifications()).toEqual([]));
    expect(ringtone.playing).toBe(false);
    expect(await badgeText()).toBe('');
    expect(phone.viewState().incoming).toEqual([]);
    expect(phone.viewState().notice).toMatchObject({ key: 'noticeLeftGroup', subs: ['Group team'] });
    expect(chat().called('getPendingInvitations')).toHaveLength(refetches);
  });

  it('stops dialling a group call on inviter_left and on group_dismissed without refetching', async () => {
    const { chat, phone } = await signedIn();
    const refetches = chat().called('getPendingInvitations').length;
    for (const reason of ['inviter_left', 'group_dismissed']) {
      await phone.handle({ type: 'call/dialGroup', groupID: 'team', inviteeList: ['alice', 'carol'], callType: 'audio' });
      const [out] = phone.viewState().outgoing;
      expect(out).toBeDefined();
      expect(await badgeView()).toEqual([expect.objectContaining({ text: expect.stringContaining('Calling') })]);
      chat().emit(SIGNAL.INVITATION_CANCELLED, { inviteID: out!.inviteID, inviter: 'bob', groupID: 'team', data: '', reason });
      await settled(() => expect(phone.viewState().outgoing).toEqual([]));
      await settled(async () => expect(await badgeView()).toEqual([]));
    }
    expect(phone.viewState().notice?.key).toBe('noticeGroupDismissed');
    expect(chat().called('getPendingInvitations')).toHaveLength(refetches);
  });

  it('after the worker is stopped while ringing, comes back still ringing once', async () => {
    const first = await signedIn();
    first.chat().pending = [invitation()];
    first.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(async () => expect(await notifications()).toEqual(['ring:inv-1']));
    const created = vi.spyOn(fakeBrowser.notifications, 'create');

    // A new worker over the same storage: reconnects, asks for pending invitations…
    const second = boot({ prepare: (c) => (c.pending = [invitation({ remaining: 12 })]) });
    await second.phone.ready;
    await settled(() => expect(second.chats[0]?.called('getPendingInvitations')).toHaveLength(1));
    // …and the SDK re-announces it: still one invitation, one notification, no new one.
    second.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ remaining: 12 }));
    await settled(() => expect(second.phone.viewState().connection).toBe('online'));
    // Barrier: the worker handles events in order, so once a later invitation rings, the
    // re-announcement before it has been handled too.
    second.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ inviteID: 'inv-2', inviter: 'carol' }));
    await settled(async () => expect((await notifications()).sort()).toEqual(['ring:inv-1', 'ring:inv-2']));
    expect(second.phone.viewState().incoming.map((c) => c.inviteID).sort()).toEqual(['inv-1', 'inv-2']);
    expect(created.mock.calls.map((c) => c[0])).toEqual(['ring:inv-2']);
    expect(second.ringtone.playing).toBe(true);
    expect(second.chats[0]!.called('login')).toEqual([{ userID: 'bob', userSig: 'sig-bob' }]);
  });

  it('on wake, an invitation that timed out meanwhile becomes a missed call', async () => {
    const first = await signedIn();
    first.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(async () => expect(await badgeText()).toBe('1'));
    const second = boot({
      prepare: (c) =>
        (c.messages = [
          signal('C2Calice', 'alice', 1, { inviteID: 'inv-1', inviter: 'alice', inviteeList: ['bob'], actionType: 1 }),
          signal('C2Calice', 'alice', 31, { inviteID: 'inv-1', inviter: 'alice', inviteeList: ['bob'], actionType: 5 }),
        ]),
    });
    await settled(() => expect(second.phone.viewState().missed).toBe(1));
    expect(await notifications()).toEqual(['missed:inv-1']);
  });

  it('asks to sign in again when the server refuses the userSig (70001)', async () => {
    const first = await signedIn();
    void first;
    const second = boot({ prepare: (c) => (c.loginError = new RingletError(70001, 'user_sig_expired', 'expired')) });
    await settled(() => expect(second.phone.viewState().connection).toBe('expired'));
    expect(await notifications()).toContain('auth:expired');
    expect(JSON.stringify(await fakeBrowser.storage.local.get('account'))).not.toContain('sig-bob');
    await expect(second.phone.handle({ type: 'call/dial', userID: 'alice', callType: 'audio' })).rejects.toMatchObject({ code: 2024 });
  });

  it('signing out forgets the account and the calls', async () => {
    const { chat, phone } = await signedIn();
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(async () => expect(await badgeText()).toBe('1'));
    await phone.handle({ type: 'account/signOut' });
    expect(chat().called('logout')).toHaveLength(1);
    expect(phone.viewState()).toMatchObject({ connection: 'signedOut', userID: null, incoming: [] });
    expect(await fakeBrowser.storage.local.get('account')).toEqual({});
    expect(await fakeBrowser.storage.session.get('account')).toEqual({});
    expect(await notifications()).toEqual([]);
  });

  it('signs out locally all the same when the server has no /api/logout (404)', async () => {
    const { phone, requests } = await signedIn(undefined, 404);
    await phone.handle({ type: 'account/signOut' });
    expect(requests.some((r) => r.url.endsWith('/api/logout'))).toBe(true);
    expect(phone.viewState()).toMatchObject({ connection: 'signedOut', userID: null });
    expect(await fakeBrowser.storage.session.get('account')).toEqual({});
  });
});

describe('Phone under an invitation flood', () => {
  beforeEach(() => fakeBrowser.reset());

  it('works through a catch-up of 100 junk invitations in a few stored writes and rings the newest real call', async () => {
    const { chat, phone } = await signedIn();
    await settled(() => expect(phone.viewState().connection).toBe('online'));
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    // The server announces the newest first: the real call, then the cap's worth of junk.
    chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ inviteID: 'real', inviter: 'carol' }));
    for (let i = 0; i < 100; i++) chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation({ inviteID: `junk-${i}`, inviter: 'mallory', data: 'x'.repeat(8192), timeout: 0, remaining: 0 }));
    await settled(() => expect(phone.viewState().incoming).toHaveLength(101));
    await settled(async () => expect(await notifications()).toContain('ring:real'));
    const stateWrites = set.mock.calls.filter(([items]) => Object.keys(items as object).some((k) => k.includes('call'))).length;
    expect(stateWrites).toBeLessThan(10);
  });
});

describe('presence and the call in progress (issue 21)', () => {
  const custom = (w: { chat: () => FakeChat }) => w.chat().called('setSelfStatus').map((a) => a.customStatus);

  it('tells the server "in_call" while a call is in progress and "dnd" while do-not-disturb is on (DND wins)', async () => {
    const w = await signedIn();
    await settled(() => expect(custom(w)).toEqual(['']));
    w.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(() => expect(w.phone.viewState().incoming).toHaveLength(1));
    await w.phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    await settled(() => expect(custom(w)).toEqual(['', 'in_call']));
    await w.phone.handle({ type: 'settings/set', patch: { doNotDisturb: true } });
    await settled(() => expect(custom(w)).toEqual(['', 'in_call', 'dnd']));
    await w.phone.handle({ type: 'call/hangup', inviteID: 'inv-1' });
    await w.phone.handle({ type: 'settings/set', patch: { doNotDisturb: false } });
    await settled(() => expect(custom(w)).toEqual(['', 'in_call', 'dnd', '']));
  });

  it('mute from the popup sets ActiveCall.muted (the call window applies it); without a call it is refused', async () => {
    const w = await signedIn();
    await expect(w.phone.handle({ type: 'call/mute', muted: true })).rejects.toMatchObject({ code: 8001 });
    w.chat().emit(SIGNAL.NEW_INVITATION_RECEIVED, invitation());
    await settled(() => expect(w.phone.viewState().incoming).toHaveLength(1));
    await w.phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    expect((await w.phone.handle({ type: 'call/mute', muted: true })).active?.muted).toBe(true);
    expect((await w.phone.handle({ type: 'call/mute', muted: false })).active?.muted).toBe(false);
  });

  it('follows people\'s presence for the views and updates it from USER_STATUS_UPDATED', async () => {
    const w = await signedIn();
    w.chat().statuses.set('alice', { userID: 'alice', statusType: 1, customStatus: '' });
    w.chat().statuses.set('eve', { userID: 'eve', statusType: 0, customStatus: '' });
    const view = await w.phone.handle({ type: 'presence/watch', userIDList: ['alice', 'carol', 'eve', 'bob'] });
    expect(view.presence).toEqual({ alice: 'online', carol: 'offline', eve: 'unknown' });
    expect(w.chat().called('subscribeUserStatus')).toEqual([{ userIDList: ['alice', 'carol', 'eve'] }]);
    w.chat().emit('onUserStatusUpdated', [{ userID: 'alice', statusType: 1, customStatus: 'in_call' }, { userID: 'zed', statusType: 1, customStatus: '' }]);
    await settled(() => expect(w.phone.viewState().presence).toEqual({ alice: 'in_call', carol: 'offline', eve: 'unknown' }));
    w.chat().emit('onUserStatusUpdated', [{ userID: 'alice', statusType: 1, customStatus: 'dnd' }]);
    await settled(() => expect(w.phone.viewState().presence?.alice).toBe('dnd'));
  });

  it('dialling an offline user sends the invitation and says they ring when they come back online', async () => {
    const w = await signedIn();
    const view = await w.phone.handle({ type: 'call/dial', userID: 'alice', callType: 'audio' });
    expect(w.chat().called('invite')).toHaveLength(1);
    expect(view.outgoing).toHaveLength(1);
    expect(view.notice).toMatchObject({ key: 'noticeDialOffline', subs: ['alice'] });
    w.chat().statuses.set('carol', { userID: 'carol', statusType: 1, customStatus: '' });
    const online = await w.phone.handle({ type: 'call/dial', userID: 'carol', callType: 'audio' });
    expect(online.notice).toBeNull();
  });
});

