/**
 * A small client of Janus's JSON API over WebSocket (subprotocol `janus-protocol`),
 * used by the server (with the `ws` package) and by the call window (browser WebSocket):
 * one session per connection, kept alive; handles of one plugin; requests matched to
 * answers by transaction; asynchronous plugin events handed to each handle's listener.
 */
import type { SocketLike } from './socket.ts';

export type { SocketLike };
/** Opens a WebSocket with the Janus subprotocol. */
export type JanusSocketFactory = (url: string, protocol: string) => SocketLike;

/** An error answered by Janus (core codes 4xx, videoroom codes 42x–43x). */
export class JanusError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface PluginAnswer {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

type Msg = Record<string, unknown> & { janus?: string; transaction?: string; sender?: number };

let counter = 0;
const tx = () => `t${Date.now().toString(36)}${(++counter).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export class JanusHandle {
  /** Asynchronous plugin events (no pending request of ours) and core events (webrtcup, hangup, detached…). */
  onEvent: ((e: { janus: string; data: Record<string, unknown>; jsep?: Jsep }) => void) | null = null;
  constructor(readonly conn: JanusConnection, readonly id: number) {}

  /** A plugin request; resolves with the plugin's answer (synchronous, or the event that follows the ack). */
  message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer> {
    return this.conn.requestPlugin(this.id, body, jsep);
  }

  trickle(candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null): Promise<void> {
    return this.conn.request({ janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } }).then(() => {});
  }

  async detach(): Promise<void> {
    await this.conn.request({ janus: 'detach', handle_id: this.id }).catch(() => {});
  }
}

export class JanusConnection {
  #socket: SocketLike;
  #session = 0;
  #pending = new Map<string, { resolve: (m: Msg) => void; reject: (e: Error) => void; acked: boolean; plugin: boolean }>();
  #handles = new Map<number, JanusHandle>();
  #keepalive: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  #onClose = new Set<() => void>();
  /** Sent with every request: Janus's token_auth checks it on each one (the Ringlet grant's token). */
  readonly #token: string | undefined;

  private constructor(socket: SocketLike, token: string | undefined) {
    this.#socket = socket;
    this.#token = token;
    socket.onmessage = (e) => this.#received(String(e.data));
    socket.onclose = () => this.#gone(new JanusError(0, 'connection to Janus closed'));
  }

  /**
   * Opens the socket and creates the session (keepalive every `keepaliveMs`, default 5 s),
   * sending `token` with every request when Janus has token_auth.
   */
  static async open(url: string, factory: JanusSocketFactory, o: { keepaliveMs?: number; token?: string } = {}): Promise<JanusConnection> {
    const keepaliveMs = o.keepaliveMs ?? 5_000;
    const socket = factory(url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new JanusError(0, `cannot reach Janus at ${url}`));
      socket.onclose = () => reject(new JanusError(0, `cannot reach Janus at ${url}`));
    });
    socket.onerror = null;
    const conn = new JanusConnection(socket, o.token);
    const created = await conn.request({ janus: 'create' });
    conn.#session = Number((created.data as { id: number }).id);
    conn.#keepalive = setInterval(() => void conn.request({ janus: 'keepalive' }).catch(() => {}), keepaliveMs);
    (conn.#keepalive as { unref?: () => void }).unref?.();
    return conn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(cb: () => void): void {
    if (this.#closed) cb();
    else this.#onClose.add(cb);
  }

  async attach(plugin = 'janus.plugin.videoroom'): Promise<JanusHandle> {
    const r = await this.request({ janus: 'attach', plugin });
    const handle = new JanusHandle(this, Number((r.data as { id: number }).id));
    this.#handles.set(handle.id, handle);
    return handle;
  }

  /** A core request; resolves with Janus's success/ack answer. */
  request(body: Msg): Promise<Msg> {
    return this.#send(body, false);
  }

  async requestPlugin(handleID: number, body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer> {
    const m = await this.#send({ janus: 'message', handle_id: handleID, body, ...(jsep ? { jsep } : {}) }, true);
    const data = ((m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    if (typeof data.error_code === 'number') throw new JanusError(data.error_code, String(data.error ?? 'plugin error'));
    return { data, ...(m.jsep ? { jsep: m.jsep as Jsep } : {}) };
  }

  close(): void {
    if (this.#closed) return;
    if (this.#session) this.#socket.send(JSON.stringify({ janus: 'destroy', session_id: this.#session, transaction: tx(), ...this.#auth() }));
    this.#socket.close();
    this.#gone(new JanusError(0, 'connection to Janus closed'));
  }

  #send(body: Msg, plugin: boolean): Promise<Msg> {
    if (this.#closed) return Promise.reject(new JanusError(0, 'connection to Janus closed'));
    const transaction = tx();
    return new Promise<Msg>((resolve, reject) => {
      this.#pending.set(transaction, { resolve, reject, acked: false, plugin });
      this.#socket.send(JSON.stringify({ ...body, transaction, ...(this.#session ? { session_id: this.#session } : {}), ...this.#auth() }));
    });
  }

  #auth(): { token?: string } {
    return this.#token === undefined ? {} : { token: this.#token };
  }

  #received(text: string): void {
    let m: Msg;
    try {
      m = JSON.parse(text) as Msg;
    } catch {
      return;
    }
    const p = m.transaction ? this.#pending.get(m.transaction) : undefined;
    if (p) {
      if (m.janus === 'error') {
        this.#pending.delete(m.transaction!);
        const e = m.error as { code?: number; reason?: string } | undefined;
        return p.reject(new JanusError(e?.code ?? 0, e?.reason ?? 'Janus error'));
      }
      // A plugin request is acked first when it is asynchronous; the answer is the event.
      if (m.janus === 'ack' && p.plugin) return;
      this.#pending.delete(m.transaction!);
      return p.resolve(m);
    }
    const handle = typeof m.sender === 'number' ? this.#handles.get(m.sender) : undefined;
    if (!handle) return;
    if (m.janus === 'detached') this.#handles.delete(handle.id);
    const data = ((m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    handle.onEvent?.({ janus: String(m.janus), data, ...(m.jsep ? { jsep: m.jsep as Jsep } : {}) });
  }

  #gone(err: Error): void {
    if (this.#closed && this.#pending.size === 0 && this.#onClose.size === 0) return;
    this.#closed = true;
    if (this.#keepalive) clearInterval(this.#keepalive);
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    for (const cb of this.#onClose) cb();
    this.#onClose.clear();
  }
}
