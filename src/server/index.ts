/**
 * Ringlet server: the IM service and the authority on invitations.
 *
 *   const server = await startServer({ port: 0, storage: ':memory:' });
 *   const sig = await server.userSig('alice', 3600);
 *   await server.close();
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../protocol/close-codes.ts';
import { ACCOUNT_LIMITS, type AccountLimits } from './auth/account-limits.ts';
import { Accounts } from './auth/accounts.ts';
import { AdminWatch } from './auth/admin-watch.ts';
import type { IceOptions } from './auth/ice.ts';
import { loadOrCreateSecret } from './auth/secret.ts';
import { AccountThrottle, memoryLimiters, redisLimiters } from './auth/throttle.ts';
import { Tokens } from './auth/tokens.ts';
import { UserSigs } from './auth/usersig.ts';
import { Dispatcher } from './dispatch.ts';
import { httpHandler } from './gateway/http.ts';
import { Session } from './gateway/session.ts';
import { LocalBus } from './hub/local-bus.ts';
import { Batch } from './store/batch.ts';
import type { Bus, StatusBoard } from './hub/types.ts';
import { LocalStatusBoard } from './hub/local-status.ts';
import type { RedisBus } from './hub/redis-bus.ts';
import { StatusService } from './presence/status-service.ts';
import { ContactService } from './im/contacts.ts';
import { GroupService } from './im/groups.ts';
import { MessageService } from './im/messages.ts';
import { createLogger, type Logger } from './log.ts';
import { Metrics, metricsServer } from './metrics.ts';
import { DeadlineRunner } from './signaling/deadlines.ts';
import { SfuService, type SfuOptions } from './sfu/service.ts';
import { SignalingService } from './signaling/service.ts';
import { ensurePrivateDir } from './store/file-modes.ts';
import { openStore } from './store/index.ts';
import { Admission } from './gateway/admission.ts';
import { adminSocket } from './gateway/admin-socket.ts';
import { clientAddress } from './gateway/client-address.ts';
import { LoginGate } from './gateway/login-gate.ts';
import { refusalResponses } from './gateway/refusal.ts';
import { LogThrottle } from './log-throttle.ts';
import { OutboundBudget } from './gateway/outbound.ts';
import { resolveLimits, type ServerLimits } from './limits/config.ts';
import { descriptorShares, openFileLimit } from './limits/descriptors.ts';

/** A session that sends no frame for this long is cut (SECURITY.md "WebSocket sessions"). */
export const IDLE_TIMEOUT_MS = 75_000;
/** Idle sessions are looked for this often: one is cut 75 to 80 s after its last frame. */
export const IDLE_SWEEP_MS = 5_000;

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
  /**
   * Behind a reverse proxy: take the client address (per-address limits, logs) from the
   * last X-Forwarded-For entry. Only with a proxy that sets it; default false.
   */
  trustProxy?: boolean;
  /** Overrides of the account endpoints' bounds (auth/account-limits.ts, SECURITY.md). */
  accountLimits?: Partial<AccountLimits>;
  logLevel?: string;
  logger?: Logger;
  maxSessionsPerUser?: number;
  loginTimeoutMs?: number;
  /** A session that sends nothing (not even a ping) for this long is dropped. Default 75 s. */
  idleTimeoutMs?: number;
  /** How often idle sessions are looked for: one is cut within idleTimeoutMs + this. Default 5 s. */
  idleSweepMs?: number;
  rate?: { perSecond: number; burst: number };
  /** How long missed events are kept for exact replay. Default 7 days. */
  eventRetentionMs?: number;
  /** Upper bound between two looks for due deadlines. */
  deadlinePollMs?: number;
  /** STUN/TURN servers handed to clients (`getIceServers`), with TURN REST credentials when `turnSecret` is set. */
  ice?: IceOptions;
  /** The SFU (Janus) that carries classrooms and calls larger than the mesh; none: group calls are mesh only. */
  sfu?: SfuOptions;
  /**
   * Serve Prometheus metrics (GET /metrics) on their own listener, e.g.
   * { host: '127.0.0.1', port: 9464 }; default: off. Never on the public port.
   */
  metrics?: { host: string; port: number };
  /**
   * A Unix socket path where the admin command asks who is online (gateway/admin-socket.ts);
   * default: none (`npm start` puts one in the data folder).
   */
  adminSocket?: string;
  /** Between two looks at the admin log for account changes to apply (auth/admin-watch.ts); default 1000 ms. */
  adminPollMs?: number;
  /** The server clock (tests of the deadline rules may pin it). */
  clock?: () => number;
  /** Per-user and per-process budgets (limits/config.ts); unset values keep their defaults. */
  limits?: Partial<ServerLimits>;
  /**
   * Being added to a group by someone else needs the user's consent unless they have the
   * adder as a contact (docs/SECURITY.md "Group consent"). Default true; false restores the
   * seed's behaviour (every add is at once) for deployments whose accounts all trust each other.
   */
  groupConsent?: boolean;
  /**
   * Tests: puts something in front of the bus every publish goes through, e.g. to hold one
   * commit's events back until a later commit's are published (a race made deterministic).
   */
  wrapBus?: (bus: Bus) => Bus;
}

export interface RingletServer {
  /** What `createChat({ server })` takes, e.g. ws://127.0.0.1:8787. */
  readonly url: string;
  /** The HTTP base of the same listener (health, accounts). */
  readonly httpUrl: string;
  readonly port: number;
  /** Where GET /metrics answers, when `metrics` was given. */
  readonly metricsUrl: string | null;
  /** A signed login token for `userID`, valid `ttlSeconds`; also registers the user. */
  userSig(userID: string, ttlSeconds?: number): Promise<string>;
  /** The SFU's floor and join state, and its sweep, when an SFU is configured (tests, diagnostics). */
  readonly sfu: Pick<SfuService, 'speakerOf' | 'joined' | 'roomOf' | 'sweep'> | null;
  /** Stops accepting, closes every session (1001), stops timers, closes the store. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RingletServer> {
  const storage = options.storage ?? ':memory:';
  const isFile = storage !== ':memory:' && !/^postgres(ql)?:\/\//.test(storage);
  const log = options.logger ?? createLogger(options.logLevel);
  const clock = options.clock ?? Date.now;
  const dataDir = options.dataDir ?? (isFile ? dirname(resolve(storage)) : undefined);
  // The data folder (SQLite file, secret) is the server's alone: 0700 (store/file-modes.ts).
  if (dataDir) ensurePrivateDir(dataDir);
  const secret = loadOrCreateSecret({ secret: options.secret ?? process.env.RINGLET_SECRET, dataDir });
  const sigs = new UserSigs(secret);
  const nodeID = randomBytes(4).toString('hex');

  const store = await openStore(storage);
  // The baseline of the in-order delivery of a user's events (hub/delivery-order.ts), read
  // for every user whose first session registers in the same turn at once (a login storm).
  const seqs = new Batch<string, number>(async (users) => {
    const m = await store.login.currentSeqs(users);
    return users.map((u) => m.get(u) ?? 0);
  });
  const seqOf = (userID: string) => seqs.get(userID);
  let bus: Bus;
  let redisBus: RedisBus | null = null;
  if (options.redis) {
    const { RedisBus } = await import('./hub/redis-bus.ts');
    redisBus = await RedisBus.connect(options.redis, {
      nodeID, log, maxSessionsPerUser: options.maxSessionsPerUser ?? 10, seqOf,
    });
    // Every node must agree on these, or calls between their users fail (SCALE-OUT.md).
    for (const d of await redisBus.compareSettings({ sfu: options.sfu ? 'on' : 'off' }).catch(() => [])) {
      log.warn({ node: d.node, setting: d.setting, theirs: d.theirs, ours: d.ours }, `cluster: node ${d.node} runs with ${d.setting} ${d.theirs ?? 'unset'} and this node with ${d.ours ?? 'unset'}; group calls between their users fail until every node has the same setting`);
    }
    bus = redisBus;
  } else {
    bus = new LocalBus({ maxSessionsPerUser: options.maxSessionsPerUser ?? 10, seqOf, log });
  }
  if (options.wrapBus) bus = options.wrapBus(bus);
  const statusBoard: StatusBoard = redisBus?.status ?? new LocalStatusBoard();
  const limits = resolveLimits(options.limits);
  const signaling = new SignalingService(bus, limits);
  const groups = new GroupService(signaling, { limits, consent: options.groupConsent ?? true });
  const contacts = new ContactService(limits);
  const messages = new MessageService();
  const status = new StatusService({ store, bus, board: statusBoard, limits, log, clock });
  redisBus?.onNodesDied(() => status.recheckAll());
  const sessions = new Set<Session>();
  const loginGate = new LoginGate(limits.loginsInFlight, clock());
  const metrics = options.metrics ? new Metrics({
    sessions: () => sessions.size,
    outboundBytes: () => { let n = 0; for (const ws of wss.clients) n += ws.bufferedAmount; return n; },
    pendingDeadlines: () => store.read((tx) => tx.countOpenDeadlines()),
    logins: () => ({ inFlight: loginGate.inFlight, refused: loginGate.refused, cacheHits: tokens.cache.hits, cacheMisses: tokens.cache.misses }),
  }) : null;
  const deadlines = new DeadlineRunner({ store, bus, signaling, log, metrics, clock, pollMs: options.deadlinePollMs ?? (options.redis ? 1000 : 30_000) });
  // In a cluster each call's room lives on one node, which the others forward to (sfu/owners.ts).
  const owners = options.sfu && options.redis ? await (await import('./sfu/owners.ts')).RoomOwners.connect(options.redis, { nodeID, log }) : null;
  const sfu = options.sfu ? new SfuService(options.sfu, { store, log, clock, owners }) : null;
  const dispatcher = new Dispatcher({
    store, bus, signaling, groups, contacts, messages, status, log, clock, ice: options.ice ?? {}, limits, sfu, metrics,
    onDeadlines: (d) => deadlines.notify(d),
    ...(sfu ? { onCallSteps: (steps) => sfu.committed(steps), onDepartures: (departed) => sfu.departed(departed) } : {}),
  });
  const tokens = new Tokens({ store, sigs, bus, clock });
  const accountLimits: AccountLimits = { ...ACCOUNT_LIMITS, ...options.accountLimits };
  // Shared by every node when there is a Redis; else per node (SECURITY.md says so).
  const limiters = options.redis ? redisLimiters(options.redis) : memoryLimiters();
  const accounts = new Accounts({
    store, tokens, log, limits: accountLimits, clock, secret,
    throttle: new AccountThrottle(limiters, accountLimits),
    ttlSeconds: options.userSigTTL ?? 7 * 86400,
    allowRegistration: options.allowRegistration ?? true,
  });

  let closing = false;
  const http: HttpServer = createServer(httpHandler({ accounts, log, maxBodyBytes: accountLimits.maxBodyBytes, trustProxy: options.trustProxy ?? false, health: () => ({ ok: !closing, sessions: sessions.size }) }));
  // Frames are small: 8 KiB of data escaped as JSON, 100 invitees and the envelope fit.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 128 * 1024 });
  let counter = 0;
  const sessionDeps = {
    store, bus, dispatcher, status, tokens, log, clock,
    loginTimeoutMs: options.loginTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    rate: options.rate ?? { perSecond: 200, burst: 400 },
    limits,
    outbound: new OutboundBudget(limits),
    loginGate,
    logThrottle: new LogThrottle({ windowMs: 10_000, perWindow: 20 }),
  };
  // Descriptors: waiting sockets get a share of the limit, all connections stop short of it.
  const fds = descriptorShares(openFileLimit(), limits.unauthenticatedTotal);
  const gateLimits = { ...limits, unauthenticatedTotal: fds.unauthenticatedTotal };
  if (fds.maxConnections !== null) http.maxConnections = fds.maxConnections;
  const admission = new Admission(gateLimits);
  const refusals = refusalResponses(gateLimits);
  const refusalLog = new LogThrottle({ windowMs: 10_000, perWindow: 20 });
  const trustProxy = options.trustProxy ?? false;
  http.on('upgrade', (req, socket, head) => {
    if (closing) return socket.destroy();
    const address = clientAddress(req, trustProxy);
    const now = clock();
    const ticket = admission.admit(address, now, () => socket.destroy());
    if (typeof ticket === 'string') {
      // Refused before the handshake: a ready answer, and a log line per address and
      // reason at most every 10 s (with the count held back), never one per attempt.
      socket.end(refusals[ticket]);
      // A client that never closes its side does not keep the refused socket open.
      (socket as Socket).setTimeout(1000, () => socket.destroy());
      const held = refusalLog.allow(`${address} ${ticket}`, now);
      if (held !== null) log.warn({ address, reason: ticket, refusedBefore: held }, 'websocket upgrade refused');
      return;
    }
    socket.once('close', () => ticket.release());
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(`${nodeID}:${++counter}`, ws, sessionDeps, ticket, socket);
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
    });
  });

  await deadlines.start();
  const adminWatch = new AdminWatch({ store, bus, log, pollMs: options.adminPollMs ?? 1000 });
  await adminWatch.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    // A storm of reconnects (a node of the cluster died) arrives faster than one turn of the
    // event loop accepts: a queue of 511 (Node's default) overflows, and a dropped SYN is
    // retried by the client's kernel only after 1, 3, 7, 15 s. The kernel caps the backlog
    // at net.core.somaxconn.
    http.listen({ port: options.port ?? 8787, host, backlog: 4096 }, () => {
      http.off('error', reject);
      resolveListen();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const metricsListener = metrics && options.metrics ? await metricsServer(metrics, options.metrics.host, options.metrics.port) : null;
  const adminListener = options.adminSocket ? await adminSocket(options.adminSocket, { store, bus }) : null;

  const sweep = setInterval(() => {
    const now = clock();
    for (const s of sessions) if (s.isIdle(now)) s.dropIdle();
  }, options.idleSweepMs ?? IDLE_SWEEP_MS);
  sweep.unref();
  const retention = options.eventRetentionMs ?? 7 * 86400_000;
  const prune = setInterval(() => {
    const now = clock();
    store.write(async (tx) => {
      await tx.prune(now - retention, now - 86400_000);
      await tx.pruneRevokedTokens(now);
    }).catch((err: unknown) => log.error({ err }, 'prune failed'));
  }, 3600_000);
  prune.unref();

  log.info({ openFiles: fds.limit, unauthenticatedTotal: fds.unauthenticatedTotal, maxConnections: fds.maxConnections }, 'descriptor limit and its shares');
  log.info({ port, host, storage: isFile ? storage : storage.startsWith('postgres') ? 'postgres' : storage, bus: options.redis ? 'redis' : 'local' }, 'ringlet server listening');

  let closed: Promise<void> | null = null;
  return {
    url: `ws://${urlHost}:${port}`,
    metricsUrl: metricsListener?.url ?? null,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    sfu,
    userSig(userID: string, ttlSeconds = 86400): Promise<string> {
      // At the user's current token generation: revoked with the others by a password
      // change or "sign out everywhere".
      return tokens.issue(userID, ttlSeconds);
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        clearInterval(sweep);
        clearInterval(prune);
        await deadlines.stop();
        await adminWatch.close();
        await adminListener?.close();
        await sfu?.close();
        for (const s of sessions) s.close(CloseCode.GOING_AWAY, 'server shutting down');
        // Give clients a moment to complete the close handshake, then cut the rest.
        for (let i = 0; i < 20 && wss.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        const httpClosed = new Promise<void>((r) => http.close(() => r()));
        http.closeAllConnections();
        await httpClosed;
        await metricsListener?.close();
        await bus.close();
        await limiters.close();
        await store.close();
        log.info('ringlet server stopped');
      })();
      return closed;
    },
  };
}
