/**
 * The phone: the worker's one SDK session and its call state. Every other context is a
 * view of it. Events from the SDK and requests from views become `CallEvent`s applied
 * one at a time (a promise queue), persisted, then the derived outputs (notifications,
 * toolbar badge, ringtone, page badges, live views) are brought in line with the state.
 */
import type { ActiveCall, CallType, Connection, HangupReason, HistoryRecord, Notice, Request, Settings, ViewState } from '../shared/schema.ts';
import { encodeCallEnd, encodeClassroom, encodeInvite, newRoomID } from '../shared/call-data.ts';
import { resolveLanguage, setLanguage, t } from '../shared/i18n.ts';
import {
  EMPTY_CALL_STATE,
  incomingCalls,
  outgoingCalls,
  audibleCalls,
  transition,
  releaseTarget,
  type CallEffect,
  type CallEvent,
  type CallState,
  type Invitation,
} from './calls.ts';
import { errorCode, SIGNAL, type ChatLike, type CreateChat, type SdkEvent } from './chat.ts';
import { requestUserSig, revokeUserSig, RingletError } from './accounts.ts';
import { endingsFromHistory, fetchHistory } from './history.ts';
import { clearMissedNotifications, showMissed, showSignInAgain, syncRingNotifications, wantsNotification } from './notifications.ts';
import { syncToolbar } from './toolbar.ts';
import { syncBadgeView } from './badge-view.ts';
import type { Ringtone } from './ringtone.ts';
import * as store from './store.ts';
import { logError } from './log.ts';
import { MESH_LIMIT } from '../../protocol/sfu.ts';
import { Capabilities } from './capabilities.ts';

/** How long an outgoing invitation rings before the server times it out. */
export const DIAL_TIMEOUT_SECONDS = 30;
/** A full mesh of peer connections: every participant sends to every other one. Larger calls need the server's SFU. */
export const MAX_CALL_PARTICIPANTS = MESH_LIMIT;
/** How long students have to raise a hand. */
export const RAISE_HAND_TIMEOUT_SECONDS = 60;

export interface PhoneDeps {
  createChat: CreateChat;
  /** IM event names from the SDK's `EVENT` (connection state, kicked out). */
  events: { NET_STATE_CHANGE?: string; KICKED_OUT?: string };
  ringtone: Ringtone;
  /** Opens (or focuses) the call page. */
  openCallPage: () => Promise<void>;
  /** Called when the language changes (context-menu title). */
  onLanguageChanged?: () => void;
  fetch?: typeof fetch;
  now?: () => number;
}

type Listener = (state: ViewState) => void;

export class Phone {
  #deps: PhoneDeps;
  #chat: ChatLike | null = null;
  #generation = 0;
  #account: store.Account | null = null;
  #server = store.DEFAULT_SERVER;
  #settings!: Settings;
  #state: CallState = EMPTY_CALL_STATE;
  #connection: Connection = 'signedOut';
  #queue: Promise<unknown> = Promise.resolve();
  /** The state changed since it was last stored. */
  #unsaved = false;
  /** The pending coalesced store-and-sync (see #flushSoon). */
  #flush: Promise<void> | null = null;
  #listeners = new Set<Listener>();
  #groupNames = new Map<string, string>();
  #groupOwners = new Map<string, string>();
  /** What this session's server offers (getCapabilities, asked once per SDK session). */
  #capabilities = new Capabilities();
  #retry: ReturnType<typeof setTimeout> | null = null;
  #retryDelay = 2000;
  #connecting: Promise<void> | null = null;
  /** From (re)connecting until the pending list is reconciled: invitations heard now were delivered at login. */
  #atLogin = false;
  readonly ready: Promise<void>;

  constructor(deps: PhoneDeps) {
    this.#deps = deps;
    this.ready = this.#boot();
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  async #boot(): Promise<void> {
    await store.migrateFromLocal().catch((e) => logError('storage migration', e));
    const [account, settings, state, server] = await Promise.all([
      store.loadAccount(),
      store.loadSettings(),
      store.loadCallState(),
      store.loadServer(),
    ]);
    this.#account = account;
    this.#settings = settings;
    this.#state = state;
    this.#server = account?.server ?? server;
    setLanguage(resolveLanguage(settings.language));
    if (account && !account.expired) {
      // Restoring the derived outputs waits for the server's pending list (reconcile):
      // what is already on screen (notifications, the offscreen ringtone) stays as is.
      void this.connect();
    } else {
      this.#connection = account?.expired ? 'expired' : 'signedOut';
      await this.#sync();
    }
  }

  /** Live views (ports) subscribe here; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get connection(): Connection {
    return this.#connection;
  }

  viewState(): ViewState {
    return {
      connection: this.#connection,
      server: this.#account?.server ?? this.#server,
      userID: this.#account?.userID ?? null,
      incoming: incomingCalls(this.#state),
      outgoing: outgoingCalls(this.#state),
      active: this.#state.active,
      classroom: this.#state.classroom,
      missed: this.#state.missed,
      notice: this.#state.notice,
      settings: this.#settings,
    };
  }

  /**
   * Makes sure a signed-in phone has an SDK session (wake-ups: alarm, startup, a page
   * load, `online`). A session the SDK is reconnecting by itself is left to it.
   */
  async ensureConnected(): Promise<void> {
    await this.ready;
    if (this.#account && !this.#account.expired && !this.#chat) await this.connect();
  }

  /** (Re)creates the SDK session and logs in; safe to call while a connect is running. */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const account = this.#account;
    if (!account) return;
    const gen = ++this.#generation;
    this.#clearRetry();
    await this.#teardown(false);
    const chat = this.#deps.createChat({ server: account.server });
    this.#chat = chat;
    this.#atLogin = true;
    this.#setConnection('connecting');
    const guard =
      <T>(fn: (data: T) => void | Promise<void>) =>
      (ev: SdkEvent<T>) => {
        if (gen === this.#generation) void Promise.resolve(fn(ev.data)).catch((e) => logError('sdk event', e));
      };
    chat.addSignalingListener(SIGNAL.NEW_INVITATION_RECEIVED, guard<Invitation>((inv) => this.#onInvited(inv)));
    chat.addSignalingListener(
      SIGNAL.INVITEE_ACCEPTED,
      guard<{ inviteID: string; invitee: string; data: string }>((d) =>
        this.#dispatch({ type: 'accepted', inviteID: d.inviteID, invitee: d.invitee, data: d.data ?? '' }),
      ),
    );
    chat.addSignalingListener(
      SIGNAL.INVITEE_REJECTED,
      guard<{ inviteID: string; invitee: string; data: string; reason?: string }>((d) =>
        this.#dispatch({ type: 'rejected', inviteID: d.inviteID, invitee: d.invitee, data: d.data ?? '', ...(d.reason ? { reason: d.reason } : {}) }),
      ),
    );
    chat.addSignalingListener(
      SIGNAL.INVITATION_CANCELLED,
      guard<{ inviteID: string; reason?: string }>((d) =>
        this.#dispatch({ type: 'cancelled', inviteID: d.inviteID, ...(d.reason ? { reason: d.reason } : {}) }),
      ),
    );
    chat.addSignalingListener(
      SIGNAL.INVITATION_TIMEOUT,
      guard<{ inviteID: string; inviteeList: string[]; isSelfTimeout: boolean }>((d) =>
        this.#dispatch({ type: 'timeout', inviteID: d.inviteID, inviteeList: d.inviteeList ?? [], isSelfTimeout: !!d.isSelfTimeout }),
      ),
    );
    const { NET_STATE_CHANGE, KICKED_OUT } = this.#deps.events;
    if (NET_STATE_CHANGE) chat.on(NET_STATE_CHANGE, guard<unknown>((d) => this.#onNetState(chat, d)));
    if (KICKED_OUT) {
      chat.on(
        KICKED_OUT,
        guard<{ type?: string } | undefined>((d) => (d?.type === 'userSigExpired' ? this.#expire() : this.#setConnection('offline'))),
      );
    }

    try {
      await chat.login({ userID: account.userID, userSig: account.userSig });
    } catch (e) {
      if (gen !== this.#generation) return;
      if (errorCode(e) === 70001) {
        await this.#expire();
        return;
      }
      logError('login', e);
      await this.#teardown(false); // the SDK gave up: no session until the retry (or a wake-up)
      this.#setConnection('offline');
      this.#scheduleRetry();
      await this.#sync();
      return;
    }
    if (gen !== this.#generation) return;
    this.#retryDelay = 2000;
    this.#setConnection('online');
    await this.#reconcile(chat, gen);
  }

  async #onNetState(chat: ChatLike, data: unknown): Promise<void> {
    const s = typeof data === 'object' && data && 'state' in data ? String((data as { state: unknown }).state) : String(data);
    if (/disconnect|closed|offline/i.test(s)) this.#setConnection('offline');
    else if (/connecting|reconnect/i.test(s)) {
      this.#atLogin = true;
      this.#setConnection('connecting');
    }
    else if (/connected|online|open/i.test(s)) {
      const was = this.#connection;
      this.#setConnection('online');
      if (was !== 'online') await this.#reconcile(chat, this.#generation);
    }
  }

  /** The server's pending list is the truth after every (re)login. */
  async #reconcile(chat: ChatLike, gen: number): Promise<void> {
    try {
      await this.#reconcileWith(chat, gen);
    } finally {
      if (gen === this.#generation) this.#atLogin = false;
    }
  }

  async #reconcileWith(chat: ChatLike, gen: number): Promise<void> {
    const { data } = await chat.getPendingInvitations();
    if (gen !== this.#generation) return;
    const me = this.#account?.userID ?? '';
    const open = new Set(data.invitationList.map((i) => i.inviteID));
    const gone = this.#state.calls.filter((c) => !open.has(c.inviteID) && c.direction === 'incoming');
    const endings = gone.length ? await endingsFromHistory(chat, me, gone) : {};
    for (const inv of data.invitationList) if (inv.groupID) await this.#groupName(chat, inv.groupID);
    await this.#dispatch({ type: 'reconciled', pending: data.invitationList, endings }, true);
  }

  async #groupName(chat: ChatLike, groupID: string): Promise<string | undefined> {
    if (!this.#groupNames.has(groupID)) {
      try {
        const { data } = await chat.getGroupProfile({ groupID });
        this.#groupNames.set(groupID, data.group.name || groupID);
        if (data.group.ownerID) this.#groupOwners.set(groupID, data.group.ownerID);
      } catch {
        return undefined;
      }
    }
    return this.#groupNames.get(groupID);
  }

  async #onInvited(inv: Invitation): Promise<void> {
    const atLogin = this.#atLogin;
    const chat = this.#chat;
    const groupName = inv.groupID && chat ? await this.#groupName(chat, inv.groupID) : undefined;
    const groupOwner = inv.groupID ? this.#groupOwners.get(inv.groupID) : undefined;
    await this.#dispatch({ type: 'invited', inv, ...(groupName ? { groupName } : {}), ...(groupOwner ? { groupOwner } : {}), ...(atLogin ? { atLogin } : {}) });
  }

  async #expire(): Promise<void> {
    if (this.#account) {
      // The userSig is worthless now; keep who we were so the form is pre-filled.
      this.#account = { ...this.#account, userSig: '', expired: true };
      await store.saveAccount(this.#account);
    }
    await this.#teardown(false);
    this.#setConnection('expired');
    await showSignInAgain().catch((e) => logError('notify', e));
    await this.#sync();
  }

  #scheduleRetry(): void {
    this.#clearRetry();
    this.#retry = setTimeout(() => void this.connect(), this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, 60_000);
  }

  #clearRetry(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  async #teardown(logout: boolean): Promise<void> {
    const chat = this.#chat;
    this.#chat = null;
    if (!chat) return;
    this.#generation++;
    if (logout) await chat.logout().catch(() => undefined);
    await chat.destroy().catch(() => undefined);
  }

  #setConnection(c: Connection): void {
    if (this.#connection === c) return;
    this.#connection = c;
    this.#broadcast();
  }

  #broadcast(): void {
    const view = this.viewState();
    for (const l of this.#listeners) {
      try {
        l(view);
      } catch (e) {
        logError('view listener', e);
      }
    }
  }

  /** Applies one event after the ones before it; persists; performs effects; syncs outputs. */
  #dispatch(event: CallEvent, forceSync = false): Promise<void> {
    const run = async (): Promise<boolean> => {
      const ctx = { me: this.#account?.userID ?? '', now: this.#now(), settings: this.#settings };
      const { state, effects } = transition(this.#state, event, ctx);
      const changed = state !== this.#state;
      this.#state = state;
      if (changed) this.#unsaved = true;
      // An effect may open a page that reads the stored state: store it first.
      if (effects.length > 0 && this.#unsaved) await this.#saveState();
      for (const effect of effects) await this.#perform(effect).catch((e) => logError(`effect ${effect.type}`, e));
      return changed || forceSync;
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p.then((dirty) => (dirty ? this.#flushSoon() : undefined));
  }

  /**
   * Stores the state and brings the outputs in line once for every event handled by then:
   * a burst of invitations (a catch-up page) costs one write and one sync, not one each.
   */
  #flushSoon(): Promise<void> {
    this.#flush ??= new Promise<void>((r) => setTimeout(r, 0)).then(async () => {
      this.#flush = null;
      if (this.#unsaved) await this.#saveState();
      await this.#sync();
    });
    return this.#flush;
  }

  async #saveState(): Promise<void> {
    this.#unsaved = false;
    await store.saveCallState(this.#state);
  }

  async #perform(effect: CallEffect): Promise<void> {
    switch (effect.type) {
      case 'autoReject':
        await this.#chat?.reject({ inviteID: effect.inviteID, data: effect.data });
        return;
      case 'ack':
        await this.#chat?.accept({ inviteID: effect.inviteID }).catch(() => undefined);
        return;
      case 'missedNotification':
        if (this.#settings.notifications && this.#settings.missedCallNotifications) await showMissed(effect.entry);
        return;
      case 'openCallPage':
        await this.#deps.openCallPage();
        return;
    }
  }

  /** Brings every derived output in line with the state. Each step fails alone. */
  async #sync(): Promise<void> {
    const state = this.#state;
    const s = this.#settings;
    const incoming = incomingCalls(state);
    const shouldRing = s.ringtone && !s.doNotDisturb && audibleCalls(state).length > 0 && !state.active;
    await Promise.all([
      syncToolbar(incoming.length, state.missed, incoming.find((c) => !c.kind)?.inviter).catch((e) => logError('toolbar', e)),
      syncRingNotifications(incoming.filter((e) => wantsNotification(e, s))).catch((e) => logError('notifications', e)),
      (shouldRing ? this.#deps.ringtone.start(s.volume) : this.#deps.ringtone.stop()).catch((e) => logError('ringtone', e)),
      syncBadgeView(state).catch((e) => logError('badge view', e)),
    ]);
    this.#broadcast();
  }

  #requireChat(): ChatLike {
    if (!this.#chat || this.#connection === 'signedOut' || this.#connection === 'expired') {
      throw new RingletError(2024, 'errorNotSignedIn', 'not signed in');
    }
    return this.#chat;
  }

  #me(): string {
    return this.#account?.userID ?? '';
  }

  /** Serves one validated request from a view. */
  async handle(req: Request): Promise<unknown> {
    await this.ready;
    switch (req.type) {
      case 'state/get':
        return this.viewState();
      case 'account/signIn':
        return this.#signIn(req.server, req.userID, req.password, req.create);
      case 'account/signOut':
        return this.#signOut();
      case 'settings/set':
        return this.#setSettings(req.patch);
      case 'call/dial':
        return this.#dial(req.userID, req.callType);
      case 'call/dialGroup':
        return this.#dialGroup(req.groupID, req.inviteeList, req.callType, req.classroom ?? false);
      case 'server/hasSfu':
        return this.#hasSfu(this.#requireChat());
      case 'call/accept':
        return this.#answer(req.inviteID, 'accept');
      case 'call/reject':
        return this.#answer(req.inviteID, 'reject');
      case 'call/cancel':
        return this.#cancel(req.inviteID);
      case 'call/silence':
        // Only silences: nothing is sent to the server, so it needs no arming on the page badge.
        if (!this.#state.calls.some((c) => c.inviteID === req.inviteID && c.direction === 'incoming')) {
          throw new RingletError(8010, 'errorAlreadyEnded', `no ringing invitation ${req.inviteID}`);
        }
        await this.#dispatch({ type: 'silenced', inviteID: req.inviteID });
        return this.viewState();
      case 'call/hangup':
        // A call window asking for an older call must not end a newer one.
        if (req.inviteID && req.inviteID !== this.#state.active?.inviteID) return this.viewState();
        return this.#hangup(req.reason);
      case 'classroom/raiseHands':
        return this.#classroom('raiseHand', req.inviteeList);
      case 'classroom/pick':
        return this.#classroom('speak', [req.userID]);
      case 'classroom/lowerHand':
      case 'classroom/endSpeak':
        return this.#release(req.type === 'classroom/lowerHand' ? 'lowerHand' : 'endSpeak');
      case 'groups/list': {
        const { data } = await sdk(() => this.#requireChat().getGroupList());
        for (const g of data.groupList) {
          this.#groupNames.set(g.groupID, g.name || g.groupID);
          if (g.ownerID) this.#groupOwners.set(g.groupID, g.ownerID);
        }
        return data.groupList;
      }
      case 'groups/members': {
        const { data } = await sdk(() => this.#requireChat().getGroupMemberList({ groupID: req.groupID }));
        return data.memberList.map((m) => m.userID).filter((u) => u !== this.#me());
      }
      case 'history/get':
        return (await sdk(() => fetchHistory(this.#requireChat(), this.#me()))) satisfies HistoryRecord[];
      case 'history/seen':
        await this.#dispatch({ type: 'missedSeen' });
        await clearMissedNotifications();
        return this.viewState();
      case 'notice/dismiss':
        await this.#dispatch({ type: 'noticeDismissed' });
        return this.viewState();
    }
  }

  async #signIn(server: string, userID: string, password: string, create: boolean): Promise<ViewState> {
    const creds = await requestUserSig(server, userID, password, create, this.#deps.fetch);
    const sameUser = this.#account?.userID === creds.userID;
    await this.#connecting?.catch(() => undefined);
    await this.#teardown(true);
    this.#account = { server, userID: creds.userID, userSig: creds.userSig };
    this.#server = server;
    await Promise.all([store.saveAccount(this.#account), store.saveServer(server)]);
    if (!sameUser) await this.#replaceState(EMPTY_CALL_STATE);
    await this.connect();
    if (this.#connection === 'expired') throw new RingletError(70001, 'sessionExpired', 'the server refused the new userSig');
    if (this.#connection !== 'online') throw new RingletError('unreachable', 'errorUnreachable', `cannot connect to ${server}`, [server]);
    return this.viewState();
  }

  async #signOut(): Promise<ViewState> {
    const held = this.#account;
    // The session first (its KICKED_OUT for the revoked token must not read as "expired"),
    // then the token itself, so no copy of it outlives the sign-out.
    await this.#teardown(true);
    if (held?.userSig) {
      await revokeUserSig(held.server, held.userSig, this.#deps.fetch).catch((e) => logError('sign-out: revoking the userSig', e));
    }
    this.#clearRetry();
    this.#account = null;
    await store.saveAccount(null);
    this.#setConnection('signedOut');
    await this.#replaceState(EMPTY_CALL_STATE);
    return this.viewState();
  }

  async #replaceState(state: CallState): Promise<void> {
    const run = async () => {
      this.#state = state;
      await store.saveCallState(state);
      await this.#sync();
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    await p;
  }

  async #setSettings(patch: Partial<Settings>): Promise<ViewState> {
    const before = this.#settings;
    this.#settings = { ...before, ...patch };
    await store.saveSettings(this.#settings);
    if (patch.language && patch.language !== before.language) {
      setLanguage(resolveLanguage(this.#settings.language));
      this.#deps.onLanguageChanged?.();
    }
    await this.#replaceState(this.#state);
    return this.viewState();
  }

  async #dial(userID: string, callType: CallType): Promise<ViewState> {
    const chat = this.#requireChat();
    if (userID === this.#me()) throw new RingletError(8001, 'errorCallSelf', 'cannot call yourself');
    const roomID = newRoomID();
    const res = await sdk(() => chat.invite({ userID, data: encodeInvite(roomID, callType), timeout: DIAL_TIMEOUT_SECONDS }));
    const now = this.#now();
    await this.#dispatch({
      type: 'dialled',
      entry: {
        inviteID: res.inviteID,
        direction: 'outgoing',
        inviter: this.#me(),
        groupID: '',
        inviteeList: [userID],
        pending: [userID],
        callType,
        roomID,
        deadline: now + DIAL_TIMEOUT_SECONDS * 1000,
        receivedAt: now,
        waiting: false,
      },
    });
    return this.viewState();
  }

  /** Whether the server forwards group media through an SFU (capabilities.ts). */
  async #hasSfu(chat: ChatLike): Promise<boolean> {
    return (await this.#capabilities.of(chat)).sfu;
  }

  async #dialGroup(groupID: string, inviteeList: string[], callType: CallType, classroom: boolean): Promise<ViewState> {
    const chat = this.#requireChat();
    const roomID = newRoomID();
    const invitees = inviteeList.filter((u) => u !== this.#me());
    if (invitees.length > MAX_CALL_PARTICIPANTS - 1 && !(await this.#hasSfu(chat))) {
      throw new RingletError(8001, 'errorGroupCallTooLarge', `a group call has at most ${MAX_CALL_PARTICIPANTS} participants`, [String(MAX_CALL_PARTICIPANTS)]);
    }
    const groupName = await this.#groupName(chat, groupID);
    const groupOwner = this.#groupOwners.get(groupID);
    if (classroom && groupOwner !== this.#me()) throw new RingletError(8011, 'errorNotAllowed', 'only the group owner starts a classroom');
    const data = encodeInvite(roomID, callType, classroom ? 'classroom' : undefined);
    const res = await sdk(() => chat.inviteInGroup({ groupID, inviteeList: invitees, data, timeout: DIAL_TIMEOUT_SECONDS }));
    const now = this.#now();
    await this.#dispatch({
      type: 'dialled',
      entry: {
        inviteID: res.inviteID,
        direction: 'outgoing',
        inviter: this.#me(),
        groupID,
        ...(groupName ? { groupName } : {}),
        ...(groupOwner ? { groupOwner } : {}),
        inviteeList: invitees,
        pending: invitees,
        callType,
        roomID,
        deadline: now + DIAL_TIMEOUT_SECONDS * 1000,
        receivedAt: now,
        waiting: false,
      },
    });
    return this.viewState();
  }

  async #answer(inviteID: string, how: 'accept' | 'reject'): Promise<ViewState> {
    const chat = this.#requireChat();
    const entry = this.#state.calls.find((c) => c.inviteID === inviteID && c.direction === 'incoming');
    if (!entry) throw new RingletError(8010, 'errorAlreadyEnded', `no ringing invitation ${inviteID}`);
    if (how === 'accept' && this.#state.active && !entry.kind) await this.#hangup(); // call waiting: end the current call
    try {
      await sdk(() => (how === 'accept' ? chat.accept({ inviteID }) : chat.reject({ inviteID })));
    } catch (e) {
      // Already ended elsewhere (8010): stop ringing for it either way.
      if (e instanceof RingletError && e.code === 8010) await this.#dispatch({ type: 'localRejected', inviteID });
      throw e;
    }
    await this.#dispatch(how === 'accept' ? { type: 'localAccepted', inviteID } : { type: 'localRejected', inviteID });
    return this.viewState();
  }

  async #cancel(inviteID: string): Promise<ViewState> {
    const chat = this.#requireChat();
    try {
      await sdk(() => chat.cancel({ inviteID }));
    } catch (e) {
      if (e instanceof RingletError && e.code === 8020) await this.#dispatch({ type: 'localCancelled', inviteID });
      throw e;
    }
    await this.#dispatch({ type: 'localCancelled', inviteID });
    return this.viewState();
  }

  /** Seed's hang-up: a new invitation whose data marks end-of-call with the duration. */
  async #hangup(reason?: HangupReason): Promise<ViewState> {
    const active: ActiveCall | null = this.#state.active;
    if (!active) return this.viewState();
    const duration = Math.max(0, Math.round((this.#now() - active.startedAt) / 1000));
    // Ended first, so a second hang-up (the window closing right after) finds no call.
    await this.#dispatch({ type: 'ended', ...(reason ? { reason } : {}) });
    if (!active.groupID && this.#chat) {
      // The peer's window going away is the peer's own hang-up: its worker sends the marker.
      await this.#chat
        .invite({ userID: active.peer, data: encodeCallEnd(active.inviteID, active.roomID, duration, reason), timeout: DIAL_TIMEOUT_SECONDS })
        .catch((e) => logError('hang-up', e));
    }
    return this.viewState();
  }

  /** Classroom mode: the group's owner asks for hands, or gives a student the floor. */
  async #classroom(action: 'raiseHand' | 'speak', inviteeList: string[]): Promise<ViewState> {
    const chat = this.#requireChat();
    const active = this.#state.active;
    if (!active?.groupID) throw new RingletError(8011, 'errorNotAllowed', 'classroom mode needs a group call');
    await this.#groupName(chat, active.groupID);
    const owner = this.#groupOwners.get(active.groupID) ?? active.groupOwner;
    if (owner !== this.#me()) throw new RingletError(8011, 'errorNotAllowed', 'only the group owner leads a classroom');
    const invitees = inviteeList.filter((u) => u !== this.#me());
    const res = await sdk(() =>
      chat.inviteInGroup({
        groupID: active.groupID,
        inviteeList: invitees,
        data: encodeClassroom(action, active.roomID, active.inviteID),
        timeout: action === 'raiseHand' ? RAISE_HAND_TIMEOUT_SECONDS : DIAL_TIMEOUT_SECONDS,
        offlinePushInfo: { disablePush: true },
      }),
    );
    await this.#dispatch({ type: 'classroomSent', action, inviteID: res.inviteID, invitees });
    return this.viewState();
  }

  /** Classroom mode: a student lowers the hand, or the teacher takes the floor back (calls.ts releaseTarget). */
  async #release(action: 'lowerHand' | 'endSpeak'): Promise<ViewState> {
    const chat = this.#requireChat();
    const active = this.#state.active;
    const to = active?.groupID ? releaseTarget(this.#state.classroom, action, this.#me()) : null;
    if (!active || !to) throw new RingletError(8011, 'errorNotAllowed', `${action}: not now`);
    const data = encodeClassroom(action, active.roomID, active.inviteID);
    const res = await sdk(() => chat.inviteInGroup({ groupID: active.groupID, inviteeList: [to], data, timeout: DIAL_TIMEOUT_SECONDS, offlinePushInfo: { disablePush: true } }));
    await this.#dispatch({ type: 'classroomSent', action, inviteID: res.inviteID, invitees: [to] });
    return this.viewState();
  }

  /** Newest ringing invitation (keyboard shortcuts). */
  newestIncoming(): string | null {
    return incomingCalls(this.#state)[0]?.inviteID ?? null;
  }
}

const SDK_ERRORS: Record<number, Parameters<typeof t>[0]> = {
  8001: 'errorInvalidParameter',
  8002: 'errorUserNotFound',
  8003: 'errorGroupNotFound',
  8004: 'errorNotGroupMember',
  8010: 'errorAlreadyEnded',
  8011: 'errorNotAllowed',
  8020: 'errorAlreadyEnded',
  2024: 'errorNotSignedIn',
  70001: 'sessionExpired',
};

/** Runs an SDK call and turns its rejection into a RingletError the views can translate. */
async function sdk<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RingletError) throw e;
    const code = errorCode(e) ?? 'error';
    const message = e instanceof Error ? e.message : String(e);
    const key = typeof code === 'number' ? SDK_ERRORS[code] : undefined;
    throw new RingletError(code, key ?? 'errorServer', message, [String(code)]);
  }
}
