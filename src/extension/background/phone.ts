/**
 * The phone: the worker's composition. One SDK session (session.ts) and its connection
 * state (link.ts, pure), one call state run by the runner (runner.ts: transition → persist
 * → effects → sync), the derived outputs (outputs.ts), and the requests served by the
 * features' handlers (registry.ts). Every other context is a view of it.
 */
import { MAX_WATCHED, type Connection, type RequestOf, type RequestResults, type RequestType, type Settings, type ViewState } from '../shared/schema.ts';
import { CUSTOM_STATUS, presenceOf, type PresenceState, type UserStatus } from '../../protocol/presence.ts';
import { resolveLanguage, setLanguage } from '../shared/i18n.ts';
import type { SignalingEvent } from '../../protocol/signaling.ts';
import { EMPTY_CALL_STATE, incomingCalls, outgoingCalls, type CallEffect } from './calls.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { ViewError } from './errors.ts';
import { perform } from './effects.ts';
import { callEventOf, holdsRefreshed, reconciledEvent } from './signals.ts';
import { linkTransition, SIGNED_OUT, type Link, type LinkEvent } from './link.ts';
import { showSignInAgain } from './features/account.ts';
import { syncOutputs } from './outputs.ts';
import type { Ringtone } from './ringtone.ts';
import { Runner } from './runner.ts';
import { Session, type CreateChat, type SessionChat, type SessionEvent } from './session.ts';
import type { PhoneApi } from './feature.ts';
import { GroupDirectory } from './group-directory.ts';
import type { AccountHost, PhoneContext } from './phone-context.ts';
import { REQUEST_HANDLERS, serve } from './registry.ts';
import * as store from './store.ts';
import { logError } from './log.ts';

export interface PhoneDeps {
  createChat: CreateChat;
  ringtone: Ringtone;
  /** Opens (or focuses) the call page. */
  openCallPage: () => Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
}

type Listener = (state: ViewState) => void;

/** People whose presence the worker follows at once (under the server's 1,000 subscriptions per session). */
const WATCH_MAX = 5 * MAX_WATCHED;

export class Phone implements PhoneApi {
  readonly #deps: PhoneDeps;
  readonly #session: Session;
  readonly #groups = new GroupDirectory();
  readonly #listeners = new Set<Listener>();
  #runner = new Runner(EMPTY_CALL_STATE, this.#runnerDeps());
  #link: Link = SIGNED_OUT;
  #linkWaiters = new Set<() => void>();
  #account: store.Account | null = null;
  #server = store.DEFAULT_SERVER;
  #settings!: Settings;
  #connecting: Promise<void> | null = null;
  #reconciling: Promise<void> | null = null;
  /** Presence of the people the views follow (presence/watch), newest last; at most WATCH_MAX. */
  readonly #presence = new Map<string, PresenceState>();
  /** The custom status the server has from this device (null: not sent on this session yet). */
  #selfSent: string | null = null;
  readonly #ctx: PhoneContext;
  readonly ready: Promise<void>;

  constructor(deps: PhoneDeps) {
    this.#deps = deps;
    this.#session = new Session(deps.createChat, (e) => this.#onSession(e));
    this.#ctx = this.#context();
    this.ready = this.#boot();
  }

  async #boot(): Promise<void> {
    await store.migrateFromLocal().catch((e) => logError('storage migration', e));
    const [account, settings, state, server] = await Promise.all([store.loadAccount(), store.loadSettings(), store.loadCallState(), store.loadServer()]);
    this.#account = account;
    this.#settings = settings;
    this.#runner = new Runner(state, this.#runnerDeps());
    this.#server = account?.server ?? server;
    setLanguage(resolveLanguage(settings.language));
    if (account && !account.expired) {
      // Restoring the derived outputs waits for the server's pending list (reconcile):
      // what is already on screen (notifications, the offscreen ringtone) stays as is.
      void this.connect().catch((e) => logError('connect', e));
    } else {
      if (account?.expired) this.#setLink({ connection: 'expired', atLogin: false });
      await this.#sync();
    }
  }

  /** Live views (ports) subscribe here; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get connection(): Connection {
    return this.#link.connection;
  }

  viewState(): ViewState {
    const state = this.#runner.state;
    return {
      connection: this.#link.connection,
      server: this.#account?.server ?? this.#server,
      userID: this.#account?.userID ?? null,
      incoming: incomingCalls(state),
      outgoing: outgoingCalls(state),
      active: state.active,
      ...(state.held ? { held: state.held } : {}),
      classroom: state.classroom,
      missed: state.missed,
      notice: state.notice,
      ...(state.lastEnded ? { lastEnded: state.lastEnded } : {}),
      ...(this.#presence.size > 0 ? { presence: Object.fromEntries(this.#presence) } : {}),
      settings: this.#settings,
    };
  }

  /** Newest ringing invitation (keyboard shortcuts). */
  newestIncoming(): string | null {
    return incomingCalls(this.#runner.state)[0]?.inviteID ?? null;
  }

  /** Serves one validated request from a view with its feature's handler (registry.ts). */
  async handle<K extends RequestType>(req: RequestOf<K> & { type: K }): Promise<RequestResults[K]> {
    await this.ready;
    return serve<K>(REQUEST_HANDLERS, this.#ctx, req);
  }

  /**
   * Makes sure a signed-in phone has an SDK session (wake-ups: alarm, startup, a page
   * load, `online`). A session the SDK is reconnecting by itself is left to it.
   */
  async ensureConnected(): Promise<void> {
    await this.ready;
    // A start whose session was just dropped (the SDK gave up) finishes first.
    if (!this.#session.chat) await this.#connecting?.catch(() => undefined);
    if (this.#account && !this.#account.expired && !this.#session.chat) await this.connect();
  }

  /** Starts the account's SDK session; safe to call while one is starting. */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const account = this.#account;
    if (!account) return;
    this.#applyLink({ type: 'started' });
    await this.#session.start(account.server, { userID: account.userID, userSig: account.userSig });
  }

  // ---- the session's events

  async #onSession(event: SessionEvent): Promise<void> {
    if (event.type === 'signal') return this.#onSignal(event.signal);
    if (event.type === 'status') return this.#onStatus(event.list);
    // A new session (or the same one back): the server may not have my custom status.
    if (event.type === 'loggedIn' || (event.type === 'net' && event.state === 'connected')) this.#selfSent = null;
    const step = this.#applyLink(event);
    if (step.drop) {
      // The SDK gave up on its first login: no session until a wake-up starts one.
      logError('login', event.type === 'loginFailed' ? event.error : event.type);
      await this.#session.stop(false);
      await this.#sync();
    }
    if (step.expire) await this.#expire();
    if (step.reconcile) {
      this.#reconciling = this.#reconcile().finally(() => (this.#reconciling = null));
    }
    // Logged in: the pending list is reconciled before the login counts as done.
    if (step.reconcile || event.type === 'loggedIn') await this.#reconciling;
    if (event.type === 'loggedIn') {
      this.#syncSelfStatus();
      // A new SDK session: its subscriptions start empty.
      const followed = [...this.#presence.keys()];
      if (followed.length > 0) void this.#watch(followed, true).catch((e) => logError('presence', e));
    }
  }

  // ---- presence

  #onStatus(list: readonly UserStatus[]): void {
    let changed = false;
    for (const s of list) {
      if (!this.#presence.has(s.userID)) continue;
      const p = presenceOf(s);
      if (this.#presence.get(s.userID) === p) continue;
      this.#presence.set(s.userID, p);
      changed = true;
    }
    if (changed) this.#broadcast();
  }

  /** Follows these people's presence (subscribes, then asks once); the oldest followed are dropped past WATCH_MAX. */
  async #watch(userIDs: readonly string[], again = false): Promise<void> {
    const chat = this.#session.chat;
    const me = this.#me();
    const ids = [...new Set(userIDs)].filter((u) => u !== me);
    if (!chat || ids.length === 0) return;
    const fresh = again ? ids : ids.filter((u) => !this.#presence.has(u));
    const dropped: string[] = [];
    for (const u of fresh) {
      this.#presence.delete(u);
      this.#presence.set(u, this.#presence.get(u) ?? 'unknown');
    }
    while (this.#presence.size > WATCH_MAX) {
      const oldest = this.#presence.keys().next().value as string;
      this.#presence.delete(oldest);
      dropped.push(oldest);
    }
    if (dropped.length > 0) await chat.unsubscribeUserStatus({ userIDList: dropped }).catch(() => undefined);
    if (fresh.length > 0) await chat.subscribeUserStatus({ userIDList: fresh });
    const { data } = await chat.getUserStatus({ userIDList: ids });
    for (const s of data.successUserList) if (this.#presence.has(s.userID)) this.#presence.set(s.userID, presenceOf(s));
    this.#broadcast();
  }

  /** What the server should say of me: do-not-disturb, else in a call, else nothing. */
  #syncSelfStatus(): void {
    const chat = this.#session.chat;
    if (!chat || this.#link.connection !== 'online' || !this.#settings) return;
    const wanted = this.#settings.doNotDisturb ? CUSTOM_STATUS.DND : this.#runner.state.active ? CUSTOM_STATUS.IN_CALL : '';
    if (wanted === this.#selfSent) return;
    this.#selfSent = wanted;
    void chat.setSelfStatus({ customStatus: wanted }).catch((e: unknown) => {
      if (this.#selfSent === wanted) this.#selfSent = null;
      logError('presence', e);
    });
  }

  async #onSignal(signal: SignalingEvent): Promise<void> {
    const atLogin = this.#link.atLogin;
    await this.#runner.dispatch(await callEventOf(signal, this.#session.chat, this.#groups, atLogin));
  }

  async #reconcile(): Promise<void> {
    const chat = this.#session.chat;
    if (!chat) return;
    try {
      const event = await reconciledEvent(chat, this.#runner.state, this.#me(), this.#groups);
      if (chat === this.#session.chat) await this.#runner.dispatch(event, true);
      for (const e of await holdsRefreshed(chat, this.#runner.state)) if (chat === this.#session.chat) await this.#runner.dispatch(e);
    } catch (e) {
      logError('reconcile', e);
    } finally {
      if (chat === this.#session.chat) this.#applyLink({ type: 'reconciled' });
    }
  }

  async #expire(): Promise<void> {
    if (this.#account) {
      // The userSig is worthless now; keep who we were so the form is pre-filled.
      this.#account = { ...this.#account, userSig: '', expired: true };
      await store.saveAccount(this.#account);
    }
    await this.#session.stop(false);
    await showSignInAgain().catch((e) => logError('notify', e));
    await this.#sync();
  }

  // ---- connection state

  #applyLink(event: LinkEvent) {
    const step = linkTransition(this.#link, event);
    this.#setLink(step.link);
    return step;
  }

  #setLink(link: Link): void {
    const changed = link.connection !== this.#link.connection;
    this.#link = link;
    if (!changed) return;
    for (const wake of this.#linkWaiters) wake();
    this.#broadcast();
  }

  /** Resolves at the next change of the connection that `settled` accepts. */
  #until(settled: (c: Connection) => boolean): { promise: Promise<void>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<void>((resolve) => {
      const check = () => {
        if (!settled(this.#link.connection)) return;
        this.#linkWaiters.delete(check);
        resolve();
      };
      this.#linkWaiters.add(check);
      cancel = () => this.#linkWaiters.delete(check);
    });
    return { promise, cancel };
  }

  // ---- outputs

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

  async #sync(): Promise<void> {
    await syncOutputs(this.#runner.state, this.#settings, this.#deps.ringtone);
    this.#syncSelfStatus();
    this.#broadcast();
  }

  // ---- what the runner and the features see

  #me(): string {
    return this.#account?.userID ?? '';
  }

  #runnerDeps() {
    return {
      context: () => ({ me: this.#me(), now: (this.#deps.now ?? Date.now)(), settings: this.#settings }),
      save: (state: typeof EMPTY_CALL_STATE) => store.saveCallState(state),
      perform: (effect: CallEffect) =>
        perform(effect, {
          chat: this.#session.chat,
          settings: this.#settings,
          openCallPage: this.#deps.openCallPage,
          refreshPending: () => void this.#reconcile(),
        }),
      sync: () => this.#sync(),
    };
  }

  #context(): PhoneContext {
    return {
      me: () => this.#me(),
      now: () => (this.#deps.now ?? Date.now)(),
      state: () => this.#runner.state,
      view: () => this.viewState(),
      chat: () => {
        const chat = this.#session.chat;
        const c = this.#link.connection;
        if (!chat || c === 'signedOut' || c === 'expired') throw new ViewError(ErrorCode.NOT_LOGGED_IN, 'errorNotSignedIn', 'not signed in');
        return chat;
      },
      chatIfAny: (): SessionChat | null => this.#session.chat,
      dispatch: (event) => this.#runner.dispatch(event),
      presence: {
        watch: (userIDs) => this.#watch(userIDs),
        of: (userID) => this.#presence.get(userID),
      },
      groups: this.#groups,
      account: this.#accountHost(),
    };
  }

  #accountHost(): AccountHost {
    return {
      account: () => this.#account,
      setAccount: async (account, server) => {
        this.#account = account;
        if (server !== undefined) this.#server = server;
        await Promise.all([store.saveAccount(account), ...(server !== undefined ? [store.saveServer(server)] : [])]);
      },
      connect: async () => {
        const settled = this.#until((c) => c === 'offline' || c === 'expired');
        try {
          await Promise.race([this.connect(), settled.promise]);
        } finally {
          settled.cancel();
        }
        return this.#link.connection;
      },
      disconnect: async () => {
        await this.#session.stop(true);
        await this.#connecting?.catch(() => undefined);
      },
      signedOut: () => this.#applyLink({ type: 'signedOut' }),
      clearCalls: () => this.#runner.replace(EMPTY_CALL_STATE),
      settings: () => this.#settings,
      deviceToken: (server, userID) => store.loadDeviceToken(server, userID),
      setDeviceToken: (server, userID, token) => store.saveDeviceToken(server, userID, token),
      setSettings: async (settings) => {
        this.#settings = settings;
        await store.saveSettings(settings);
        await this.#runner.replace(this.#runner.state);
      },
      ...(this.#deps.fetch ? { fetch: this.#deps.fetch } : {}),
    };
  }
}
