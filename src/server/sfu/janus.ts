/**
 * The Ringlet server's connection to Janus (the JSON API over WebSocket, src/protocol/janus.ts
 * with the `ws` package): one session with one videoroom handle for room management, plus
 * one observer handle per room that sits in the room (never publishing) to hear who
 * publishes what; and the Admin API (janus-admin.ts) through which the server adds and
 * removes the per-grant tokens Janus's `token_auth` checks. A Janus that takes requests
 * without a token is refused: anyone could open sessions on it.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { JanusConnection, JanusError, type JanusHandle, type SocketLike } from '../../protocol/janus.ts';
import { JanusAdmin, type JanusAdminOptions } from './janus-admin.ts';

export { JanusError };

/** One published stream as Janus describes it. */
export interface PublishedStream {
  type: 'audio' | 'video' | 'data';
  mid: string;
}

export interface PublisherInfo {
  feed: number;
  display: string;
  streams: PublishedStream[];
}

/** What an observer hears in its room. */
export type RoomEvent =
  | { type: 'published'; publishers: PublisherInfo[] }
  /** A publisher stopped publishing; it may still be in the room. */
  | { type: 'unpublished'; feed: number }
  /** A participant left the room (it left, its session went, or it was kicked). */
  | { type: 'left'; feed: number }
  /** Someone joined (published or not; the room has notify_joining), with the display it chose. */
  | { type: 'joining'; feed: number; display: string }
  /** A participant changed its display (`configure` with `display`). */
  | { type: 'renamed'; feed: number; display: string };

export interface Observer {
  readonly feed: number;
  leave(): Promise<void>;
}

const KEEPALIVE_MS = 5_000;

const wsFactory = (url: string, protocol: string): SocketLike => new WebSocket(url, protocol) as unknown as SocketLike;

function publishersOf(list: unknown): PublisherInfo[] {
  if (!Array.isArray(list)) return [];
  return list.map((p: { id?: unknown; display?: unknown; streams?: unknown }) => ({
    feed: Number(p.id),
    display: typeof p.display === 'string' ? p.display : '',
    streams: Array.isArray(p.streams)
      ? (p.streams as Array<{ type?: unknown; mid?: unknown; disabled?: unknown }>)
          .filter((s) => !s.disabled && (s.type === 'audio' || s.type === 'video' || s.type === 'data') && typeof s.mid === 'string')
          .map((s) => ({ type: s.type as PublishedStream['type'], mid: s.mid as string }))
      : [],
  }));
}

/** Asks Janus's `info` (no session, no token needed) whether it checks tokens on every request. */
async function requiresTokens(url: string): Promise<boolean> {
  const ws = new WebSocket(url, 'janus-protocol');
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', () => reject(new JanusError(0, `cannot reach Janus at ${url}`)));
    });
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('message', (d) => {
        try {
          resolve(JSON.parse(String(d)) as Record<string, unknown>);
        } catch (err) {
          reject(err as Error);
        }
      });
      ws.once('close', () => reject(new JanusError(0, 'Janus closed the connection')));
      ws.send(JSON.stringify({ janus: 'info', transaction: 'info' }));
    });
    return info.auth_token === true;
  } finally {
    ws.close();
  }
}

export class JanusClient {
  #conn: JanusConnection;
  #handle: JanusHandle;
  #admin: JanusAdmin;
  readonly whenClosed: Promise<void>;

  private constructor(conn: JanusConnection, handle: JanusHandle, admin: JanusAdmin) {
    this.#conn = conn;
    this.#handle = handle;
    this.#admin = admin;
    this.whenClosed = new Promise((resolve) => conn.onClose(resolve));
  }

  /**
   * Connects to the Admin API, adds the server's own token and opens the server's session
   * with it. Refuses a Janus without token_auth.
   */
  static async connect(url: string, adminOptions: JanusAdminOptions): Promise<JanusClient> {
    if (!(await requiresTokens(url))) throw new JanusError(0, `Janus at ${url} takes requests without a token (token_auth is off): anyone who reaches it could open sessions; refusing to use it`);
    const admin = await JanusAdmin.connect(adminOptions);
    let conn: JanusConnection | null = null;
    try {
      const token = randomBytes(24).toString('base64url');
      await admin.addToken(token);
      conn = await JanusConnection.open(url, wsFactory, { keepaliveMs: KEEPALIVE_MS, token });
      const client = new JanusClient(conn, await conn.attach('janus.plugin.videoroom'), admin);
      // Either connection lost means this Janus is gone for us (or restarted: it forgot every token).
      void new Promise<void>((resolve) => admin.onClose(resolve)).then(() => conn?.close());
      return client;
    } catch (err) {
      conn?.close();
      admin.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#conn.closed;
  }

  /** Lets `token` open sessions (one grant's). */
  addToken(token: string): Promise<void> {
    return this.#admin.addToken(token);
  }

  /** Ends what `token` can do: every later request with it is refused. */
  removeToken(token: string): Promise<void> {
    return this.#admin.removeToken(token);
  }

  /** A synchronous videoroom request (create, destroy, allowed, kick, moderate, listparticipants, exists). */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return (await this.#handle.message(body)).data;
  }

  /**
   * Joins `room` as a participant that never publishes and reports its publishers:
   * those already there at once, then every new one and every one that leaves.
   */
  async observe(room: number, token: string | undefined, onEvent: (e: RoomEvent) => void): Promise<Observer> {
    const handle = await this.#conn.attach('janus.plugin.videoroom');
    handle.onEvent = ({ data }) => {
      const joining = data.joining as { id?: unknown; display?: unknown } | undefined;
      if (joining && typeof joining.id === 'number') onEvent({ type: 'joining', feed: joining.id, display: typeof joining.display === 'string' ? joining.display : '' });
      if (Array.isArray(data.publishers)) onEvent({ type: 'published', publishers: publishersOf(data.publishers) });
      else if (data.videoroom === 'event' && typeof data.id === 'number' && typeof data.display === 'string') onEvent({ type: 'renamed', feed: data.id, display: data.display });
      if (typeof data.unpublished === 'number') onEvent({ type: 'unpublished', feed: data.unpublished });
      for (const key of ['leaving', 'kicked'] as const) {
        if (typeof data[key] === 'number') onEvent({ type: 'left', feed: data[key] });
      }
    };
    let joined: Record<string, unknown>;
    try {
      joined = (await handle.message({ request: 'join', ptype: 'publisher', room, display: 'ringlet-server', ...(token ? { token } : {}) })).data;
    } catch (err) {
      await handle.detach();
      throw err;
    }
    const existing = publishersOf(joined.publishers);
    if (existing.length > 0) onEvent({ type: 'published', publishers: existing });
    return { feed: Number(joined.id), leave: () => handle.detach() };
  }

  async close(): Promise<void> {
    this.#conn.close();
    this.#admin.close();
  }
}
