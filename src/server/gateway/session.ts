/**
 * One WebSocket connection: login, then requests and pushes. Every frame is validated;
 * protocol violations close the socket with a documented 4xxx code, bad requests get an
 * error response, and nothing a client sends can throw out of here.
 */
import type { WebSocket } from 'ws';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { CloseCode, retryReason } from '../../protocol/close-codes.ts';
import { decodeClientFrame, serverFrame } from '../../protocol/codec.ts';
import type { KickReason, LoginFrame, LoginResult, Reply, RequestFrame } from '../../protocol/frames.ts';
import type { Dispatcher } from '../dispatch.ts';
import type { Bus, Delivery, Revocation, SessionSink } from '../hub/types.ts';
import type { Logger } from '../log.ts';
import type { StatusService } from '../presence/status-service.ts';
import { revokes, type Tokens } from '../auth/tokens.ts';
import type { TokenClaims } from '../auth/usersig.ts';
import type { Store } from '../store/types.ts';
import { pendingTowardMax, type ServerLimits } from '../limits/config.ts';
import { TokenBucket } from '../limits/token-buckets.ts';
import type { LogThrottle } from '../log-throttle.ts';
import type { AdmissionTicket } from './admission.ts';
import type { LoginGate, LoginTicket } from './login-gate.ts';
import type { OutboundBudget, OutboundSlot } from './outbound.ts';
import { MAX_REPLAY, planSync, Replay } from './sync.ts';

export interface SessionDeps {
  store: Store;
  bus: Bus;
  dispatcher: Dispatcher;
  /** Presence: told when this session is registered and when it ends. */
  status: StatusService;
  tokens: Tokens;
  log: Logger;
  clock: () => number;
  loginTimeoutMs: number;
  idleTimeoutMs: number;
  /** Token bucket: sustained frames per second and burst. */
  rate: { perSecond: number; burst: number };
  limits: ServerLimits;
  outbound: OutboundBudget;
  /** Logins this node works on at once (login-gate.ts). */
  loginGate: LoginGate;
  /** Bounds the lines a flood of refused logins or cut-off sockets can log. */
  logThrottle: LogThrottle;
}

/** The part of a TCP socket the session uses. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

type State = 'awaiting_login' | 'logging_in' | 'syncing' | 'live' | 'closed';

/** A catch-up page is sent once the socket's queue is down to this. */
const CATCH_UP_LOW_WATER = 64 * 1024;

export class Session implements SessionSink {
  readonly id: string;
  #userID = '';
  /** The verified token this session logged in with. */
  #claims: TokenClaims | null = null;
  #state: State = 'awaiting_login';
  /** The seq the catch-up went up to: live events at or below it were in it. */
  #replayedTo = 0;
  #buffer: Delivery[] = [];
  #bufferedBytes = 0;
  readonly #out: OutboundSlot;
  #admission: AdmissionTicket | null;
  /** Held from the login frame until the catch-up is sent. */
  #loginTicket: LoginTicket | null = null;
  /** Waiters for the outbound queue to drain (catch-up backpressure). */
  #drainWaiters: Array<() => void> = [];
  #lastHeard: number;
  /** Frames this socket may send (SessionDeps.rate). */
  readonly #frames: TokenBucket;
  /** Timers that are still pending (a fired one removes itself). */
  #timers: NodeJS.Timeout[] = [];
  #loginTimer: NodeJS.Timeout | null = null;
  readonly #ws: WebSocket;
  /** The TCP socket under `ws`, corked while a login's answer, group list and `synced` go out (one write). */
  readonly #tcp: Corkable | null;
  readonly #d: SessionDeps;

  constructor(id: string, ws: WebSocket, deps: SessionDeps, admission: AdmissionTicket | null = null, tcp: Corkable | null = null) {
    this.id = id;
    this.#ws = ws;
    this.#tcp = tcp;
    this.#d = deps;
    this.#admission = admission;
    this.#out = {
      userID: '',
      queued: 0,
      tracked: false,
      overflow: () => this.#overflow(),
    };
    deps.outbound.track(this.#out);
    this.#lastHeard = deps.clock();
    this.#frames = new TokenBucket(deps.rate, this.#lastHeard);
    ws.on('message', (raw, isBinary) => this.#onMessage(raw, isBinary));
    ws.on('close', () => this.#teardown());
    ws.on('error', () => this.#teardown());
    this.#loginTimer = this.#later(deps.loginTimeoutMs, () => {
      if (this.#state === 'awaiting_login') this.close(CloseCode.UNAUTHORIZED, 'no login in time');
    });
  }

  get userID(): string {
    return this.#userID;
  }

  /** True when nothing has been heard for longer than the idle timeout. */
  isIdle(now: number): boolean {
    return now - this.#lastHeard > this.#d.idleTimeoutMs;
  }

  deliver(d: Delivery): void {
    if (this.#state === 'syncing') {
      // Held until the catch-up is sent; bounded like the socket's own queue.
      this.#bufferedBytes += Buffer.byteLength(d.frame);
      if (this.#bufferedBytes > this.#d.limits.outboundPerSocket) return this.#overflow();
      this.#buffer.push(d);
      return;
    }
    if (this.#state !== 'live') return;
    // The bus hands over a user's events in seq order (hub/user-order.ts); whatever comes
    // after the catch-up and was not in it goes out, even below the last one sent.
    if (d.seq !== null && d.seq <= this.#replayedTo) return;
    this.#send(d.frame);
  }

  revokedBy(r: Revocation): boolean {
    return this.#claims !== null && revokes(r, this.#claims);
  }

  kick(reason: KickReason): void {
    this.#send(serverFrame.kicked(reason));
    this.close(CloseCode.KICKED, reason);
  }

  /**
   * Nothing heard for the idle timeout: says 1001 and cuts the socket at once. A silent
   * peer does not answer the close handshake, and waiting for it (ws waits 30 s) kept a
   * dead session's socket 30 s past the bound.
   */
  dropIdle(): void {
    this.close(CloseCode.GOING_AWAY, 'idle');
    this.#ws.terminate();
  }

  close(code: CloseCode, reason: string): void {
    if (this.#state === 'closed') return;
    this.#teardown();
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.terminate();
    }
  }

  #teardown(): void {
    if (this.#state === 'closed') return;
    const wasRegistered = this.#state === 'syncing' || this.#state === 'live';
    this.#state = 'closed';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    this.#buffer = [];
    this.#bufferedBytes = 0;
    this.#admission?.release();
    this.#admission = null;
    this.#loginTicket?.done();
    this.#loginTicket = null;
    this.#d.outbound.untrack(this.#out);
    for (const w of this.#drainWaiters.splice(0)) w();
    if (wasRegistered) {
      this.#d.bus.unregister(this);
      this.#d.status.detach(this);
    }
  }

  /**
   * An outbound budget is exceeded and this socket is the fullest (or the one sending):
   * it is closed with 4503. Nothing is lost: stored events are replayed when the client
   * resumes by seq.
   */
  #overflow(): void {
    if (this.#state === 'closed') return;
    const held = this.#d.logThrottle.allow(`slow ${this.#userID}`, this.#d.clock());
    if (held !== null) this.#d.log.warn({ session: this.id, user: this.#userID, cutOffBefore: held }, 'slow consumer cut off');
    this.close(CloseCode.SLOW_CONSUMER, 'outbound budget exceeded');
    // The close frame waits behind the backlog: a client that reads gets it; one whose
    // backlog does not shrink for 2 s is cut off (it sees 1006) so its memory is freed.
    const ws = this.#ws;
    let last = ws.bufferedAmount;
    const t = setInterval(() => {
      const now = ws.bufferedAmount;
      if (ws.readyState === ws.CLOSED) clearInterval(t);
      else if (now > 0 && now >= last) {
        clearInterval(t);
        ws.terminate();
      }
      last = now;
    }, 2000);
    t.unref?.();
  }

  #later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#forget(t);
      fn();
    }, Math.min(ms, 2 ** 31 - 1));
    t.unref?.();
    this.#timers.push(t);
    return t;
  }

  #forget(t: NodeJS.Timeout): void {
    clearTimeout(t);
    const i = this.#timers.indexOf(t);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /**
   * The kick when the login token expires. Its own method, so the timer's closure holds
   * only this session: created inside #login it would keep #login's whole scope (the
   * login frame with its userSig, the catch-up plan and its frames) for the session's life.
   */
  #expireIn(ms: number): void {
    this.#later(ms, () => this.kick('user_sig_expired'));
  }

  #send(frame: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN || this.#state === 'closed') return;
    const bytes = Buffer.byteLength(frame);
    const { outbound } = this.#d;
    if (!outbound.reserve(this.#out, bytes)) return this.#overflow();
    this.#ws.send(frame, () => {
      outbound.release(this.#out, bytes);
      if (this.#drainWaiters.length > 0 && this.#out.queued <= CATCH_UP_LOW_WATER) for (const w of this.#drainWaiters.splice(0)) w();
    });
  }

  /** Sends a page of catch-up frames and waits until the socket has taken them; false if the session ended. */
  async #sendPage(frames: readonly string[]): Promise<boolean> {
    for (const f of frames) this.#send(f);
    if ((this.#state as State) === 'closed') return false;
    if (this.#out.queued > CATCH_UP_LOW_WATER) {
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.#d.limits.catchUpDrainMs);
        timer.unref?.();
        this.#drainWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!drained) this.#overflow();
    } else {
      // Let other sockets' work run between pages (a long catch-up does not hold the loop).
      await new Promise((r) => setImmediate(r));
    }
    return (this.#state as State) !== 'closed';
  }

  #onMessage(raw: unknown, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    const now = this.#d.clock();
    this.#lastHeard = now;
    if (!this.#frames.tryTakeOne(now)) return this.close(CloseCode.RATE_LIMITED, 'too many frames');
    if (isBinary) return this.close(CloseCode.BAD_FRAME, 'binary frames are not part of the protocol');
    const decoded = decodeClientFrame(String(raw));
    if (!decoded.ok) {
      // A request we can answer gets its error; anything else is a protocol violation.
      if (decoded.replyTo !== null) return this.#reply(decoded.replyTo, decoded.error.toBody());
      return this.close(CloseCode.BAD_FRAME, decoded.error.message.slice(0, 120));
    }
    const { frame } = decoded;
    switch (frame.type) {
      case 'ping':
        return this.#send(serverFrame.pong(now));
      case 'login':
        return void this.#login(frame);
      case 'req':
        return void this.#request(frame);
    }
  }

  async #login(frame: LoginFrame): Promise<void> {
    if (this.#state !== 'awaiting_login') {
      return this.#reply(frame.id, { code: ErrorCode.INVALID_PARAMETER, reason: 'frame', message: 'already logged in on this connection' });
    }
    this.#state = 'logging_in';
    if (this.#loginTimer) this.#forget(this.#loginTimer);
    this.#loginTimer = null;
    const { store, bus, tokens, clock, log } = this.#d;
    const ticket = this.#d.loginGate.enter(clock());
    if (typeof ticket === 'number') {
      // Too many logins here at once: the client is told when to come back (1013).
      this.#reply(frame.id, { code: ErrorCode.LIMIT_EXCEEDED, reason: 'logins_in_flight', message: `this node is busy with logins; retry in ${ticket} ms` });
      return this.close(CloseCode.TRY_AGAIN_LATER, retryReason(ticket));
    }
    this.#loginTicket = ticket;
    try {
      const claims = await tokens.verify(frame.userID, frame.userSig);
      // First check, before the session joins the bus (a revoked token must not push a
      // live device out): this node's revocation cache, or the store when it does not know.
      await tokens.checkCached(claims);
      const expiresAt = claims.expiresAt;
      if ((this.#state as State) === 'closed') return;
      this.#userID = frame.userID;
      this.#claims = claims;
      this.#d.outbound.moveTo(this.#out, frame.userID);
      this.#admission?.release();
      this.#admission = null;
      this.#state = 'syncing';
      await bus.register(this);
      if ((this.#state as State) === 'closed') return;
      this.#d.status.attach(this);
      // One read once the session is on the bus: the user registered if new, the token
      // checked again against the store (a revocation committed since the first check is
      // seen here, any later one reaches this session through the bus) and the catch-up plan.
      const { limits } = this.#d;
      const now = clock();
      const lastSeq = frame.resume?.lastSeq;
      const epoch = tokens.cache.epoch;
      const snap = await store.login.loginSnapshot({ userID: frame.userID, tokenID: claims.tokenID, lastSeq, maxReplay: MAX_REPLAY, announceMax: pendingTowardMax(limits), now });
      tokens.checkRead(claims, snap.token, epoch);
      if ((this.#state as State) === 'closed') return;
      const plan = planSync(snap, frame.userID, lastSeq, now);
      const result: LoginResult = { userID: frame.userID, seq: plan.seq, serverTime: now, resumed: plan.resumed, expiresIn: Math.floor((expiresAt - now) / 1000) };
      // Without a catch-up to page, the answer, the group list and `synced` leave in one write.
      const tcp = this.#tcp;
      if (tcp) {
        tcp.cork();
        process.nextTick(() => tcp.uncork());
      }
      this.#reply(frame.id, { code: 0, data: result });
      log.debug({ session: this.id, user: frame.userID, resumed: plan.resumed, seq: plan.seq }, 'catch-up started');
      // The catch-up goes out in pages, each once the socket has taken the previous one.
      this.#send(plan.groups);
      let sent = 0;
      const pageSize = limits.catchUpPageFrames;
      for (let i = 0; i < plan.announce.length; i += pageSize) {
        const page = plan.announce.slice(i, i + pageSize);
        if (!(await this.#sendPage(page))) return this.#cutDuringCatchUp(sent);
        sent += page.length;
      }
      const replay = new Replay(frame.userID, plan);
      while (!replay.done) {
        const page = await store.read((tx) => replay.page(tx, pageSize, clock()));
        if ((this.#state as State) === 'closed' || !(await this.#sendPage(page))) return this.#cutDuringCatchUp(sent);
        sent += page.length;
      }
      this.#send(serverFrame.synced(plan.seq));
      if ((this.#state as State) === 'closed') return this.#cutDuringCatchUp(sent);
      this.#replayedTo = plan.seq;
      this.#state = 'live';
      this.#loginTicket?.done();
      this.#loginTicket = null;
      const buffered = this.#buffer;
      this.#buffer = [];
      this.#bufferedBytes = 0;
      for (const d of buffered) this.deliver(d);
      if ((this.#state as State) === 'closed') return this.#cutDuringCatchUp(sent);
      this.#expireIn(expiresAt - now);
      log.info({ session: this.id, user: frame.userID, resumed: plan.resumed, replayed: sent }, 'session logged in');
    } catch (err) {
      if (err instanceof RingletError) {
        this.#reply(frame.id, err.toBody());
        const held = err.code === ErrorCode.BAD_USER_SIG ? this.#d.logThrottle.allow(`badsig ${frame.userID}`, clock()) : null;
        if (held !== null) log.info({ session: this.id, user: frame.userID, refusedBefore: held }, 'login refused: bad userSig');
      } else {
        log.error({ err, session: this.id }, 'login failed unexpectedly');
        this.#reply(frame.id, { code: ErrorCode.INTERNAL, reason: 'internal', message: 'login failed on the server' });
      }
      this.close(CloseCode.UNAUTHORIZED, 'login failed');
    }
  }

  #cutDuringCatchUp(sent: number): void {
    this.#d.log.info({ session: this.id, user: this.#userID, sent }, 'session closed during catch-up');
  }

  async #request(frame: RequestFrame): Promise<void> {
    if (this.#state !== 'live' && this.#state !== 'syncing') {
      return this.#reply(frame.id, { code: ErrorCode.NOT_LOGGED_IN, reason: 'not_logged_in', message: `${frame.op}: log in first` });
    }
    if (frame.op === 'logout') {
      this.#reply(frame.id, { code: 0, data: {} });
      return this.close(CloseCode.NORMAL, 'logged out');
    }
    await this.#d.dispatcher.handle(this.#userID, this.id, frame, (reply) => this.#reply(frame.id, reply));
  }

  #reply(id: string, reply: Reply): void {
    this.#send(serverFrame.result(id, reply));
  }
}
