/** Test harness: a real server on a real socket with a real SQLite file, and SDK clients. */
import WebSocket from 'ws';
import { startServer, type RingletServer, type ServerOptions } from '../../src/server/index.ts';
import { createChat, TSignaling, type Chat } from '../../src/sdk/index.ts';
import { testStorage } from '../support/backends.ts';
import { contractErrorWatch } from '../support/contract-errors.ts';
import { barrierArrival, isBarrier, newBarrierToken, sendBarrier } from '../support/barrier.ts';

export { isBarrier };

export interface Harness {
  server: RingletServer;
  dir: string;
  dbPath: string;
  client(userID: string): Promise<Client>;
  close(): Promise<void>;
}

export interface Recorded {
  name: string;
  data: any;
}

export interface Client {
  userID: string;
  chat: Chat;
  events: Recorded[];
  /** Resolves with the first recorded event (past or future) matching `pred`. */
  waitFor(pred: (e: Recorded) => boolean, timeoutMs?: number): Promise<Recorded>;
  count(name: string, inviteID?: string): number;
  /**
   * Resolves once every event committed for this user before the call has reached this
   * client: `via` (another logged-in client) sends it an online-only message, which the
   * server delivers after them. To prove an absence, assert after the barrier.
   */
  barrier(via: Chat): Promise<void>;
}

const SIGNALS = Object.values(TSignaling);

/** A server on a fresh store: a SQLite file, or a PostgreSQL database when RINGLET_TEST_BACKEND=postgres. */
export async function startHarness(options: ServerOptions = {}): Promise<Harness> {
  const db = await testStorage('integration');
  const { dir, storage: dbPath } = db;
  // Unless the test reads the logs itself: every error code an op answers must be in its contract entry.
  const watch = options.logger ? null : contractErrorWatch();
  const server = await startServer({ port: 0, ...db.serverOptions, ...(watch ? { logger: watch.logger } : {}), ...options });
  const clients: Chat[] = [];
  return {
    server,
    dir,
    dbPath,
    async client(userID: string) {
      const c = await connectClient(server.url, userID, await server.userSig(userID, 3600));
      clients.push(c.chat);
      return c;
    },
    async close() {
      for (const c of clients) await c.destroy();
      await server.close();
      await db.cleanup();
      const undeclared = watch?.undeclared() ?? [];
      if (undeclared.length > 0) throw new Error(`errors the op contract (protocol/ops.ts) does not declare: ${undeclared.join('; ')}`);
    },
  };
}

/** A logged-in SDK client that records every signaling event it hears. */
export async function connectClient(url: string, userID: string, userSig: string, opts: { heartbeatMs?: number } = {}): Promise<Client> {
  const chat = createChat({ server: url, backoffMinMs: 50, backoffMaxMs: 500, ...opts });
  const events = new Feed<Recorded>();
  for (const name of SIGNALS) chat.addSignalingListener(name, (e) => events.push(e as Recorded));
  await chat.login({ userID, userSig });
  return {
    userID,
    chat,
    events: events.items,
    waitFor(pred, timeoutMs = 20_000) {
      return events.waitFor(pred, timeoutMs, () => `${userID}: no matching event within ${timeoutMs} ms; heard ${JSON.stringify(events.items.map((e) => e.name))}`);
    },
    count(name, inviteID) {
      return events.items.filter((e) => e.name === name && (inviteID === undefined || e.data.inviteID === inviteID)).length;
    },
    async barrier(via) {
      const token = newBarrierToken();
      const arrived = barrierArrival(chat, token, 8000, userID);
      arrived.catch(() => undefined); // awaited below, unless the send throws first
      await sendBarrier(via, userID, token);
      await arrived;
    },
  };
}

/** A raw WebSocket speaking the wire protocol, for hostile-input and retry tests. */
export async function rawSocket(url: string): Promise<{
  ws: WebSocket;
  frames: any[];
  next(pred: (f: any) => boolean, ms?: number): Promise<any>;
  /** Sends request `op` with a fresh id; its `res` frame. */
  request(op: string, params: object, ms?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
}> {
  const ws = new WebSocket(url);
  const frames = new Feed<any>();
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  ws.on('message', (m) => frames.push(JSON.parse(m.toString())));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  let n = 0;
  const next = (pred: (f: any) => boolean, ms = 20_000) => frames.waitFor(pred, ms, () => `no matching frame; got ${JSON.stringify(frames.items)}`);
  return {
    ws,
    frames: frames.items,
    closed,
    next,
    request(op, params, ms = 20_000) {
      const id = `rq${n++}`;
      ws.send(JSON.stringify({ type: 'req', id, op, params }));
      return next((f) => f.type === 'res' && f.id === id, ms);
    },
  };
}

/** A list that grows, and waits for the first item (past or future) that matches. */
class Feed<T> {
  readonly items: T[] = [];
  readonly #waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.#waiters]) w();
  }

  waitFor(pred: (item: T) => boolean, timeoutMs: number, why: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.items.find(pred);
        if (hit === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(why()));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

/**
 * A TCP proxy between clients and the server, so a test can cut the network under a
 * connected client (`drop()`: connections are cut and refused) the way a lost Wi-Fi
 * would, then let it reconnect (`resume()`).
 */
export async function startProxy(targetPort: number): Promise<{ url: string; drop(): void; resume(): void; close(): Promise<void> }> {
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy(); // the network is still away: reconnect attempts fail until resume()
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const drop = () => {
    down = true;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    url: `ws://127.0.0.1:${port}`,
    drop,
    resume: () => {
      down = false;
    },
    close() {
      drop();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
