/**
 * Ringlet server: the IM service and the authority on invitations.
 *
 *   const server = await startServer({ port: 0, storage: ':memory:' });
 *   const sig = await server.userSig('alice', 3600);
 *   await server.close();
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../protocol/frames.ts';
import { Accounts } from './auth/accounts.ts';
import type { IceOptions } from './auth/ice.ts';
import { loadOrCreateSecret } from './auth/secret.ts';
import { UserSigs } from './auth/usersig.ts';
import { Dispatcher } from './dispatch.ts';
import { httpHandler } from './gateway/http.ts';
import { Session } from './gateway/session.ts';
import { LocalBus } from './hub/local-bus.ts';
import type { Bus } from './hub/types.ts';
import { GroupService } from './im/groups.ts';
import { MessageService } from './im/messages.ts';
import { createLogger, type Logger } from './log.ts';
import { DeadlineRunner } from './signaling/deadlines.ts';
import { SfuService, type SfuOptions } from './sfu/service.ts';
import { SignalingService } from './signaling/service.ts';
import { openStore } from './store/index.ts';

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A SQLite file path, ':memory:', or a postgres:// URL. Default ':memory:'. */
  storage?: string;
  /** Where the generated secret lives; default: the SQLite file's folder (none for ':memory:'). */
  dataDir?: string;
  /** The UserSig signing secret (>= 32 chars); default: created once in dataDir. */
  secret?: string;
  /** redis:// URL of the cross-node bus (scale-out); default: in-process bus. */
  redis?: string;
  /** Password registration over HTTP; default true. */
  allowRegistration?: boolean;
  /** Lifetime of UserSigs issued by the password endpoints, seconds; default 7 days. */
  userSigTTL?: number;
  logLevel?: string;
  logger?: Logger;
  maxSessionsPerUser?: number;
  loginTimeoutMs?: number;
  /** A session that sends nothing (not even a ping) for this long is dropped. */
  idleTimeoutMs?: number;
  rate?: { perSecond: number; burst: number };
  /** How long missed events are kept for exact replay. Default 7 days. */
  eventRetentionMs?: number;
  /** Upper bound between two looks for due deadlines. */
  deadlinePollMs?: number;
  /** STUN/TURN servers handed to clients (`getIceServers`), with TURN REST credentials when `turnSecret` is set. */
  ice?: IceOptions;
  /** The SFU (Janus) that carries classrooms and calls larger than the mesh; none: group calls are mesh only. */
  sfu?: SfuOptions;
  /** The server clock (tests of the deadline rules may pin it). */
  clock?: () => number;
}

export interface RingletServer {
  /** What `createChat({ server })` takes, e.g. ws://127.0.0.1:8787. */
  readonly url: string;
  /** The HTTP base of the same listener (health, accounts). */
  readonly httpUrl: string;
  readonly port: number;
  /** A signed login token for `userID`, valid `ttlSeconds`; also registers the user. */
  userSig(userID: string, ttlSeconds?: number): Promise<string>;
  /** Stops accepting, closes every session (1001), stops timers, closes the store. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RingletServer> {
  const storage = options.storage ?? ':memory:';
  const isFile = storage !== ':memory:' && !/^postgres(ql)?:\/\//.test(storage);
  const log = options.logger ?? createLogger(options.logLevel);
  const clock = options.clock ?? Date.now;
  const dataDir = options.dataDir ?? (isFile ? dirname(resolve(storage)) : undefined);
  const sigs = new UserSigs(loadOrCreateSecret({ secret: options.secret ?? process.env.RINGLET_SECRET, dataDir }));
  const nodeID = randomBytes(4).toString('hex');

  const store = await openStore(storage);
  let bus: Bus;
  if (options.redis) {
    const { RedisBus } = await import('./hub/redis-bus.ts');
    bus = await RedisBus.connect(options.redis, {
      nodeID, log, maxSessionsPerUser: options.maxSessionsPerUser ?? 10,
      // Baseline of the in-order delivery of a user's events on this node.
      seqOf: (userID) => store.read((tx) => tx.currentSeq(userID)),
    });
  } else {
    bus = new LocalBus(options.maxSessionsPerUser ?? 10);
  }
  const signaling = new SignalingService(bus);
  const groups = new GroupService(signaling);
  const messages = new MessageService();
  const deadlines = new DeadlineRunner({ store, bus, signaling, log, clock, pollMs: options.deadlinePollMs ?? (options.redis ? 1000 : 30_000) });
  const sfu = options.sfu ? new SfuService(options.sfu, { store, log, clock }) : null;
  const dispatcher = new Dispatcher({ store, bus, signaling, groups, messages, log, clock, onDeadlines: (d) => deadlines.notify(d), ice: options.ice ?? {}, sfu });
  const accounts = new Accounts(store, sigs, { ttlSeconds: options.userSigTTL ?? 7 * 86400, allowRegistration: options.allowRegistration ?? true });

  const sessions = new Set<Session>();
  let closing = false;
  const http: HttpServer = createServer(httpHandler({ accounts, log, health: () => ({ ok: !closing, sessions: sessions.size }) }));
  // Frames are small: 8 KiB of data escaped as JSON, 100 invitees and the envelope fit.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 128 * 1024 });
  let counter = 0;
  const sessionDeps = {
    store, bus, dispatcher, sigs, log, clock,
    loginTimeoutMs: options.loginTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 75_000,
    rate: options.rate ?? { perSecond: 200, burst: 400 },
  };
  http.on('upgrade', (req, socket, head) => {
    if (closing) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(`${nodeID}:${++counter}`, ws, sessionDeps);
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
    });
  });

  await deadlines.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8787, host, () => {
      http.off('error', reject);
      resolveListen();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const sweep = setInterval(() => {
    const now = clock();
    for (const s of sessions) if (s.isIdle(now)) s.close(CloseCode.GOING_AWAY, 'idle');
  }, 15_000);
  sweep.unref();
  const retention = options.eventRetentionMs ?? 7 * 86400_000;
  const prune = setInterval(() => {
    const now = clock();
    store.write((tx) => tx.prune(now - retention, now - 86400_000)).catch((err: unknown) => log.error({ err }, 'prune failed'));
  }, 3600_000);
  prune.unref();

  log.info({ port, host, storage: isFile ? storage : storage.startsWith('postgres') ? 'postgres' : storage, bus: options.redis ? 'redis' : 'local' }, 'ringlet server listening');

  let closed: Promise<void> | null = null;
  return {
    url: `ws://${urlHost}:${port}`,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    async userSig(userID: string, ttlSeconds = 86400): Promise<string> {
      await store.write((tx) => tx.ensureUser(userID, clock()));
      return sigs.sign(userID, ttlSeconds, clock());
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        clearInterval(sweep);
        clearInterval(prune);
        await deadlines.stop();
        await sfu?.close();
        for (const s of sessions) s.close(CloseCode.GOING_AWAY, 'server shutting down');
        // Give clients a moment to complete the close handshake, then cut the rest.
        for (let i = 0; i < 20 && wss.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        const httpClosed = new Promise<void>((r) => http.close(() => r()));
        http.closeAllConnections();
        await httpClosed;
        await bus.close();
        await store.close();
        log.info('ringlet server stopped');
      })();
      return closed;
    },
  };
}
