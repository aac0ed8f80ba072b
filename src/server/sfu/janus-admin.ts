/**
 * The server's client of Janus's Admin API (WebSocket, subprotocol `janus-admin-protocol`,
 * every request carrying `admin_secret`): adds and removes the tokens that `token_auth`
 * checks on every Janus request (docs/SECURITY.md "The SFU"). Only the server reaches it
 * (loopback, secret); clients never do.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { JanusError } from '../../protocol/janus.ts';

/** Where the Admin API is and its secret. */
export interface JanusAdminOptions {
  url: string;
  secret: string;
}

type Pending = { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void };

const REQUEST_TIMEOUT_MS = 10_000;

export class JanusAdmin {
  readonly #ws: WebSocket;
  readonly #secret: string;
  readonly #pending = new Map<string, Pending>();
  readonly #onClose = new Set<() => void>();
  #closed = false;

  private constructor(ws: WebSocket, secret: string) {
    this.#ws = ws;
    this.#secret = secret;
    ws.on('message', (data) => this.#received(String(data)));
    ws.on('close', () => this.#gone());
    ws.on('error', () => this.#gone());
  }

  static async connect(o: JanusAdminOptions): Promise<JanusAdmin> {
    const ws = new WebSocket(o.url, 'janus-admin-protocol');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', () => reject(new JanusError(0, `cannot reach the Janus Admin API at ${o.url}`)));
    });
    return new JanusAdmin(ws, o.secret);
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(cb: () => void): void {
    if (this.#closed) cb();
    else this.#onClose.add(cb);
  }

  /** Lets `token` open Janus sessions and attach to the videoroom plugin (and nothing else). */
  async addToken(token: string): Promise<void> {
    await this.#request({ janus: 'add_token', token, plugins: ['janus.plugin.videoroom'] });
  }

  /** Every later Janus request with `token` is refused (403): the session holding it can do nothing more and times out. */
  async removeToken(token: string): Promise<void> {
    await this.#request({ janus: 'remove_token', token }).catch((err: unknown) => {
      // Already gone (a restarted Janus forgot it, or removed twice): the goal holds.
      if (!(err instanceof JanusError && err.code === 490)) throw err;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#ws.close();
    this.#gone();
  }

  #request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new JanusError(0, 'connection to the Janus Admin API closed'));
    const transaction = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JanusError(0, `the Janus Admin API did not answer ${String(body.janus)}`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(transaction, {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#ws.send(JSON.stringify({ ...body, transaction, admin_secret: this.#secret }));
    });
  }

  #received(text: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const p = typeof m.transaction === 'string' ? this.#pending.get(m.transaction) : undefined;
    if (!p) return;
    this.#pending.delete(m.transaction as string);
    if (m.janus === 'success') return p.resolve(m);
    const e = m.error as { code?: number; reason?: string } | undefined;
    p.reject(new JanusError(e?.code ?? 0, e?.reason ?? `Janus Admin API: ${String(m.janus)}`));
  }

  #gone(): void {
    if (this.#closed && this.#pending.size === 0 && this.#onClose.size === 0) return;
    this.#closed = true;
    for (const p of this.#pending.values()) p.reject(new JanusError(0, 'connection to the Janus Admin API closed'));
    this.#pending.clear();
    for (const cb of this.#onClose) cb();
    this.#onClose.clear();
  }
}
