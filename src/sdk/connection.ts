/**
 * The SDK's connection engine: one WebSocket at a time, login, heartbeat, requests with
 * ids, and reconnection that resumes from the last event seq so nothing committed while
 * away is lost or delivered twice. Knows nothing of the API surface.
 *
 * When to reconnect (reconnectDelay): a connection that was up and is lost is tried again
 * at a random moment within `reconnectSpreadMs`, so the sessions of a lost node do not all
 * arrive at the survivors in the same instant; a server that refuses with 1013 names when
 * to come back and is believed; anything else backs off exponentially with jitter.
 */
import { CloseCode, retryAfterMs } from '../protocol/close-codes.ts';
import { decodeServerFrame, encodeFrame, readLoginResult } from '../protocol/codec.ts';
import { ErrorCode, RingletError } from '../protocol/errors.ts';
import type { GroupDeltaFrame, GroupInvitationFrame, UserStatusFrame, GroupMembersRemovedFrame, GroupsFrame, KickReason, LoginFrame, LoginResult, PushFrame, RequestFrame, ResultFrame, ServerFrame } from '../protocol/frames.ts';
import type { Op, OpParams, OpResult } from '../protocol/ops.ts';
import { defaultSocketFactory, type SocketFactory, type SocketLike } from './socket.ts';
import type { NetState } from './events.ts';

export interface ConnectionOptions {
  url: string;
  socketFactory?: SocketFactory;
  /** App-level ping interval; an MV3 service worker needs traffic at least every 30 s. */
  heartbeatMs?: number;
  /** No frame for this long: the connection is dead, reconnect. */
  deadAfterMs?: number;
  /** A request with no answer for this long fails with 2801. */
  requestTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** A lost connection's first reconnect comes at a random moment within this (ms). */
  reconnectSpreadMs?: number;
  /**
   * Connection attempts before the first login gives up with 2800 (default 3). With
   * `Infinity` the first login keeps trying with the same backoff as a reconnect, so an
   * app that must stay reachable needs no retry loop of its own; it learns of each failed
   * attempt from NET_STATE_CHANGE `disconnected`.
   */
  loginAttempts?: number;
}

export interface ConnectionEvents {
  push(frame: PushFrame): void;
  /** The whole group list (once per login, before it is synced) or one change to it. */
  groups(frame: GroupsFrame | GroupDeltaFrame): void;
  /** Members left one of my groups (removed, quit, or it was dismissed). */
  membersRemoved(frame: GroupMembersRemovedFrame): void;
  groupInvitation(frame: GroupInvitationFrame): void;
  /** Statuses of users this session subscribed to, or of the user itself, changed. */
  userStatus(frame: UserStatusFrame): void;
  netState(state: NetState): void;
  kicked(reason: KickReason): void;
  /** The server sent a frame this SDK cannot read (it is dropped; the connection goes on). */
  error(err: RingletError): void;
  /** First login done and its catch-up delivered. */
  ready(): void;
}

type State = 'idle' | 'connecting' | 'authenticating' | 'syncing' | 'ready' | 'closed';

interface Pending {
  id: string;
  text: string;
  op: Op;
  resolve: (data: unknown) => void;
  reject: (err: RingletError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;
/** Seqs above the floor remembered as delivered; past this the oldest half is folded into the floor. */
const MAX_SEEN = 256;

export class Connection {
  readonly #o: Required<Omit<ConnectionOptions, 'socketFactory'>> & { socketFactory?: SocketFactory };
  readonly #on: ConnectionEvents;
  readonly #instance = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  #counter = 0;
  #state: State = 'idle';
  #sock: SocketLike | null = null;
  #creds: { userID: string; userSig: string } | null = null;
  /** The highest event seq seen: where a reconnect resumes. */
  #lastSeq: number | undefined;
  /** Every seq up to this was delivered or is covered by a catch-up: a push at or below it is a repeat. */
  #floor = 0;
  /**
   * Seqs above the floor already delivered. One below the highest but not among them is
   * new (it fills a gap) and is delivered, never dropped as a repeat.
   */
  readonly #seen = new Set<number>();
  #loginId = '';
  #pending = new Map<string, Pending>();
  #attempt = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #lastHeard = 0;
  /** The first login's promise, settled at 'synced' (or on failure). */
  #firstLogin: { resolve: (r: LoginResult) => void; reject: (e: RingletError) => void; result?: LoginResult } | null = null;
  /** Pushes of the first login's catch-up, handed over once login has resolved. */
  #held: PushFrame[] | null = null;

  constructor(options: ConnectionOptions, events: ConnectionEvents) {
    this.#o = {
      heartbeatMs: 20_000, deadAfterMs: 45_000, requestTimeoutMs: 30_000, backoffMinMs: 250, backoffMaxMs: 10_000, reconnectSpreadMs: 1000, loginAttempts: 3,
      ...options,
    };
    this.#on = events;
  }

  get loggedIn(): boolean {
    return this.#creds !== null && this.#firstLogin === null;
  }
  get userID(): string {
    return this.#creds?.userID ?? '';
  }

  login(userID: string, userSig: string): Promise<LoginResult> {
    if (this.#creds) return Promise.reject(new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', `already logged in as ${this.#creds.userID}; log out first`));
    this.#creds = { userID, userSig };
    this.#resetSeq(undefined);
    this.#held = [];
    return new Promise<LoginResult>((resolve, reject) => {
      this.#firstLogin = { resolve, reject };
      void this.#connect();
    });
  }

  /** Sends a request; queued while reconnecting, re-sent with the same id after a drop. */
  request<K extends Op>(op: K, params: OpParams<K>): Promise<OpResult<K>> {
    if (!this.#creds || this.#state === 'closed' || this.#state === 'idle') {
      return Promise.reject(new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', `${op}: not logged in`));
    }
    const id = `${this.#instance}-${++this.#counter}`;
    const frame: RequestFrame<K> = { type: 'req', id, op, params };
    const text = encodeFrame(frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RingletError(ErrorCode.REQUEST_TIMEOUT, 'timeout', `${op}: no answer from the server in ${this.#o.requestTimeoutMs} ms`));
      }, this.#o.requestTimeoutMs);
      // The server answers op K with OpResult<K> (the contract); frames are checked, results are not.
      this.#pending.set(id, { id, text, op, resolve: (data) => resolve(data as OpResult<K>), reject, timer });
      if (this.#state === 'ready' || this.#state === 'syncing') this.#sock?.send(text);
    });
  }

  /** Logs out (best effort on the wire) and stops reconnecting. */
  async logout(): Promise<void> {
    if (!this.#creds) throw new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', 'logout: not logged in');
    if (this.#state === 'ready') {
      await Promise.race([this.request('logout', {}).catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.#shutdown(new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', 'logged out'));
  }

  /** Stops everything; safe to call twice. */
  destroy(): void {
    this.#shutdown(new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', 'SDK destroyed'));
  }

  #shutdown(reason: RingletError): void {
    this.#state = 'closed';
    this.#creds = null;
    this.#resetSeq(undefined);
    this.#held = null;
    this.#stopTimers();
    const sock = this.#sock;
    this.#sock = null;
    if (sock) {
      sock.onclose = sock.onmessage = sock.onopen = null;
      // Closing a socket still connecting makes it report an error; `ws` throws one no listener takes.
      sock.onerror = () => undefined;
      try {
        sock.close(CloseCode.NORMAL, 'bye');
      } catch {
        /* already closed */
      }
    }
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.#pending.clear();
    if (this.#firstLogin) {
      this.#firstLogin.reject(reason);
      this.#firstLogin = null;
    }
    this.#state = 'idle';
  }

  #stopTimers(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#heartbeat = null;
    this.#reconnectTimer = null;
  }

  async #connect(): Promise<void> {
    if (!this.#creds) return;
    this.#state = 'connecting';
    this.#on.netState('connecting');
    let sock: SocketLike;
    try {
      sock = (this.#o.socketFactory ?? (await defaultSocketFactory()))(this.#o.url);
    } catch (err) {
      return this.#lost(`cannot open ${this.#o.url}: ${String(err)}`);
    }
    if (!this.#creds) return void sock.close();
    this.#sock = sock;
    sock.onopen = () => {
      if (!this.#creds || this.#sock !== sock) return;
      this.#state = 'authenticating';
      this.#lastHeard = Date.now();
      this.#loginId = `${this.#instance}-login-${++this.#counter}`;
      const frame: LoginFrame = { type: 'login', id: this.#loginId, userID: this.#creds.userID, userSig: this.#creds.userSig };
      if (this.#lastSeq !== undefined) frame.resume = { lastSeq: this.#lastSeq };
      sock.send(encodeFrame(frame));
      this.#startHeartbeat();
    };
    sock.onmessage = (ev) => {
      if (this.#sock !== sock) return;
      this.#lastHeard = Date.now();
      let frame: ServerFrame | null;
      try {
        frame = decodeServerFrame(String(ev.data));
      } catch (err) {
        return this.#badFrame(err);
      }
      if (frame) this.#onFrame(frame);
    };
    sock.onerror = () => undefined; // onclose follows
    sock.onclose = (ev) => {
      if (this.#sock !== sock) return;
      this.#sock = null;
      this.#lost(`connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`, retryAfterMs(ev.code, ev.reason ?? ''));
    };
  }

  /** The socket is gone: fail a first login that never got through, else reconnect (`hintMs`: when the server said to). */
  #lost(why: string, hintMs: number | null = null): void {
    this.#stopTimers();
    if (!this.#creds || this.#state === 'closed') return;
    if (this.#firstLogin && !this.#firstLogin.result && this.#attempt >= this.#o.loginAttempts - 1) {
      this.#shutdown(new RingletError(ErrorCode.NETWORK, 'network', `login: ${why}`));
      return;
    }
    this.#state = 'connecting';
    this.#on.netState('disconnected');
    const delay = reconnectDelay(this.#attempt++, hintMs, this.#o, Math.random());
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      const sock = this.#sock;
      if (!sock || sock.readyState !== OPEN) return;
      if (Date.now() - this.#lastHeard > this.#o.deadAfterMs) {
        // Half-open connection: drop it and reconnect.
        sock.onclose = sock.onmessage = null;
        this.#sock = null;
        try { sock.close(CloseCode.HEARTBEAT_LOST, 'heartbeat lost'); } catch { /* ignore */ }
        this.#lost('heartbeat lost');
        return;
      }
      sock.send(PING);
    }, this.#o.heartbeatMs);
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'res':
        return frame.id === this.#loginId ? this.#onLoginResult(frame) : this.#onResult(frame);
      case 'synced':
        return this.#onSynced(frame.seq);
      case 'push':
        if (frame.seq !== null && !this.#firstSight(frame.seq)) return; // seen already
        if (this.#held) this.#held.push(frame);
        else this.#on.push(frame);
        return;
      case 'groups':
      case 'groupDelta':
        return this.#on.groups(frame);
      case 'groupMembersRemoved':
        return this.#on.membersRemoved(frame);
      case 'groupInvitation':
        return this.#on.groupInvitation(frame);
      case 'userStatus':
        return this.#on.userStatus(frame);
      case 'kicked':
        this.#shutdown(new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', `kicked out: ${frame.reason}`));
        return this.#on.kicked(frame.reason);
      default:
        return;
    }
  }

  #onLoginResult(frame: ResultFrame): void {
    if (!('data' in frame)) {
      const err = RingletError.fromBody(frame);
      const first = this.#firstLogin !== null;
      if (err.code === ErrorCode.BAD_USER_SIG || err.code === ErrorCode.INVALID_PARAMETER) {
        this.#shutdown(err);
        if (!first) this.#on.kicked('user_sig_expired');
      }
      return; // other failures: the server closes, we retry with backoff
    }
    const result = readLoginResult(frame.data);
    if (!result) return this.#badFrame(new RingletError(ErrorCode.INTERNAL, 'bad_frame', 'the server sent a login result this SDK cannot read'));
    if (!result.resumed) this.#resetSeq(result.seq);
    this.#state = 'syncing';
    this.#attempt = 0;
    if (this.#firstLogin) this.#firstLogin.result = result;
    for (const p of this.#pending.values()) this.#sock?.send(p.text);
  }

  #onSynced(seq: number): void {
    // Everything up to `seq` was in the catch-up.
    if (this.#lastSeq === undefined || seq > this.#lastSeq) this.#lastSeq = seq;
    this.#raiseFloor(seq);
    this.#state = 'ready';
    const first = this.#firstLogin;
    this.#firstLogin = null;
    // Logged in before anyone hears "connected": a listener may call the API at once.
    this.#on.netState('connected');
    if (!first) return;
    this.#on.ready();
    first.resolve(first.result!);
    // After the caller's `await login()` continuation: listeners added right after login
    // still hear the catch-up. Pushes arriving meanwhile queue behind it, in order.
    setTimeout(() => {
      const held = this.#held ?? [];
      this.#held = null;
      if (this.#state === 'idle') return;
      for (const f of held) this.#on.push(f);
    }, 0);
  }

  /** Whether a push with this seq is new; records it as delivered. */
  #firstSight(seq: number): boolean {
    if (seq <= this.#floor || this.#seen.has(seq)) return false;
    this.#seen.add(seq);
    if (this.#lastSeq === undefined || seq > this.#lastSeq) this.#lastSeq = seq;
    if (this.#seen.size > MAX_SEEN) this.#raiseFloor([...this.#seen].sort((a, b) => a - b)[MAX_SEEN / 2]!);
    return true;
  }

  #raiseFloor(to: number): void {
    if (to <= this.#floor) return;
    this.#floor = to;
    for (const s of this.#seen) if (s <= to) this.#seen.delete(s);
  }

  /** A fresh start at `seq` (a login the server did not resume), or none (logged out). */
  #resetSeq(seq: number | undefined): void {
    this.#lastSeq = seq;
    this.#floor = seq ?? 0;
    this.#seen.clear();
  }

  #onResult(frame: ResultFrame): void {
    const p = this.#pending.get(frame.id);
    if (!p) return;
    this.#pending.delete(frame.id);
    clearTimeout(p.timer);
    if ('data' in frame) p.resolve(frame.data);
    else p.reject(RingletError.fromBody(frame));
  }

  /** A frame that cannot be read is dropped and reported; the connection goes on. */
  #badFrame(err: unknown): void {
    this.#on.error(err instanceof RingletError ? err : new RingletError(ErrorCode.INTERNAL, 'bad_frame', String(err)));
  }
}

const PING = encodeFrame({ type: 'ping' });

/**
 * How long to wait before reconnect attempt `attempt` (0: the first since the connection
 * was up): the server's hint if it gave one (plus up to 25 % jitter), a random moment
 * within `reconnectSpreadMs` for the first, then exponential backoff from `backoffMinMs`
 * to `backoffMaxMs`, each between half and all of its step. `random` is in [0, 1).
 */
export function reconnectDelay(attempt: number, hintMs: number | null, o: { backoffMinMs: number; backoffMaxMs: number; reconnectSpreadMs: number }, random: number): number {
  if (hintMs !== null) return hintMs * (1 + random / 4);
  if (attempt === 0) return random * o.reconnectSpreadMs;
  const step = Math.min(o.backoffMaxMs, o.backoffMinMs * 2 ** attempt);
  return step / 2 + random * (step / 2);
}
