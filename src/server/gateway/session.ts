/**
 * One WebSocket connection: login, then requests and pushes. Every frame is validated;
 * protocol violations close the socket with a documented 4xxx code, bad requests get an
 * error response, and nothing a client sends can throw out of here.
 */
import type { WebSocket } from 'ws';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { CloseCode, parseClientFrame, type LoginFrame, type LoginResult, type RequestFrame } from '../../protocol/frames.ts';
import type { Dispatcher } from '../dispatch.ts';
import type { Bus, Delivery, KickReason, Revocation, SessionSink } from '../hub/types.ts';
import type { Logger } from '../log.ts';
import { assertNotRevoked, revokes, type Tokens } from '../auth/tokens.ts';
import type { TokenClaims } from '../auth/usersig.ts';
import type { Store } from '../store/types.ts';
import { planSync } from './sync.ts';

export interface SessionDeps {
  store: Store;
  bus: Bus;
  dispatcher: Dispatcher;
  tokens: Tokens;
  log: Logger;
  clock: () => number;
  loginTimeoutMs: number;
  idleTimeoutMs: number;
  /** Token bucket: sustained frames per second and burst. */
  rate: { perSecond: number; burst: number };
}

type State = 'awaiting_login' | 'logging_in' | 'syncing' | 'live' | 'closed';

/** A client that does not drain its socket is cut off past this many buffered bytes. */
const MAX_BUFFERED = 8 * 1024 * 1024;

export class Session implements SessionSink {
  readonly id: string;
  #userID = '';
  /** The verified token this session logged in with. */
  #claims: TokenClaims | null = null;
  #state: State = 'awaiting_login';
  #lastSeq = 0;
  #buffer: Delivery[] = [];
  #lastHeard: number;
  #tokens: number;
  #tokensAt: number;
  #timers: NodeJS.Timeout[] = [];
  readonly #ws: WebSocket;
  readonly #d: SessionDeps;

  constructor(id: string, ws: WebSocket, deps: SessionDeps) {
    this.id = id;
    this.#ws = ws;
    this.#d = deps;
    this.#lastHeard = deps.clock();
    this.#tokens = deps.rate.burst;
    this.#tokensAt = this.#lastHeard;
    ws.on('message', (raw, isBinary) => this.#onMessage(raw, isBinary));
    ws.on('close', () => this.#teardown());
    ws.on('error', () => this.#teardown());
    this.#later(deps.loginTimeoutMs, () => {
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
      this.#buffer.push(d);
      return;
    }
    if (this.#state !== 'live') return;
    if (d.seq !== null) {
      if (d.seq <= this.#lastSeq) return; // already replayed
      this.#lastSeq = d.seq;
    }
    this.#send(d.frame);
  }

  revokedBy(r: Revocation): boolean {
    return this.#claims !== null && revokes(r, this.#claims);
  }

  kick(reason: KickReason): void {
    this.#send(JSON.stringify({ type: 'kicked', reason }));
    this.close(CloseCode.KICKED, reason);
  }

  close(code: number, reason: string): void {
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
    if (wasRegistered) this.#d.bus.unregister(this);
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    t.unref?.();
    this.#timers.push(t);
  }

  #send(frame: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > MAX_BUFFERED) {
      this.#d.log.warn({ session: this.id, user: this.#userID }, 'slow consumer cut off');
      this.#ws.terminate();
      this.#teardown();
      return;
    }
    this.#ws.send(frame);
  }

  #takeToken(now: number): boolean {
    const { perSecond, burst } = this.#d.rate;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * perSecond);
    this.#tokensAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #onMessage(raw: unknown, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    const now = this.#d.clock();
    this.#lastHeard = now;
    if (!this.#takeToken(now)) return this.close(CloseCode.RATE_LIMITED, 'too many frames');
    if (isBinary) return this.close(CloseCode.BAD_FRAME, 'binary frames are not part of the protocol');
    let value: unknown;
    try {
      value = JSON.parse(String(raw));
    } catch {
      return this.close(CloseCode.BAD_FRAME, 'frame is not JSON');
    }
    let frame;
    try {
      frame = parseClientFrame(value);
    } catch (err) {
      const id = requestIdOf(value);
      // A request we can answer gets its error; anything else is a protocol violation.
      if (id && err instanceof RingletError) return this.#reply(id, err.toBody());
      return this.close(CloseCode.BAD_FRAME, err instanceof Error ? err.message.slice(0, 120) : 'bad frame');
    }
    switch (frame.type) {
      case 'ping':
        return this.#send(JSON.stringify({ type: 'pong', serverTime: now }));
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
    const { store, bus, tokens, clock, log } = this.#d;
    try {
      const claims = await tokens.authenticate(frame.userID, frame.userSig);
      const expiresAt = claims.expiresAt;
      await store.write((tx) => tx.ensureUser(frame.userID, clock()));
      if ((this.#state as State) === 'closed') return;
      this.#userID = frame.userID;
      this.#claims = claims;
      this.#state = 'syncing';
      await bus.register(this);
      if ((this.#state as State) === 'closed') return;
      // Checked again now that the session is on the bus: a revocation committed since the
      // first check is seen here, and any later one reaches this session through the bus.
      await store.read((tx) => assertNotRevoked(tx, claims));
      if ((this.#state as State) === 'closed') return;
      const now = clock();
      const plan = await store.read((tx) => planSync(tx, frame.userID, frame.resume?.lastSeq, now));
      if ((this.#state as State) === 'closed') return;
      const result: LoginResult = { userID: frame.userID, seq: plan.seq, serverTime: now, resumed: plan.resumed, expiresIn: Math.floor((expiresAt - now) / 1000) };
      this.#reply(frame.id, { code: 0, data: result });
      for (const f of plan.frames) this.#send(f);
      this.#send(JSON.stringify({ type: 'synced', seq: plan.seq }));
      this.#lastSeq = plan.seq;
      this.#state = 'live';
      const buffered = this.#buffer;
      this.#buffer = [];
      for (const d of buffered) this.deliver(d);
      this.#later(expiresAt - now, () => this.kick('user_sig_expired'));
      log.info({ session: this.id, user: frame.userID, resumed: plan.resumed, replayed: plan.frames.length }, 'session logged in');
    } catch (err) {
      if (err instanceof RingletError) {
        this.#reply(frame.id, err.toBody());
        if (err.code === ErrorCode.BAD_USER_SIG) log.info({ session: this.id, user: frame.userID }, 'login refused: bad userSig');
      } else {
        log.error({ err, session: this.id }, 'login failed unexpectedly');
        this.#reply(frame.id, { code: ErrorCode.INTERNAL, reason: 'internal', message: 'login failed on the server' });
      }
      this.close(CloseCode.UNAUTHORIZED, 'login failed');
    }
  }

  async #request(frame: RequestFrame): Promise<void> {
    if (this.#state !== 'live' && this.#state !== 'syncing') {
      return this.#reply(frame.id, { code: ErrorCode.NOT_LOGGED_IN, reason: 'not_logged_in', message: `${frame.op}: log in first` });
    }
    if (frame.op === 'logout') {
      this.#reply(frame.id, { code: 0, data: {} });
      return this.close(1000, 'logged out');
    }
    await this.#d.dispatcher.handle(this.#userID, this.id, frame, (reply) => this.#reply(frame.id, reply));
  }

  #reply(id: string, body: object): void {
    this.#send(JSON.stringify({ type: 'res', id, ...body }));
  }
}

function requestIdOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { type?: unknown; id?: unknown };
  if ((v.type === 'req' || v.type === 'login') && typeof v.id === 'string' && /^[A-Za-z0-9_.:-]{1,80}$/.test(v.id)) return v.id;
  return null;
}
