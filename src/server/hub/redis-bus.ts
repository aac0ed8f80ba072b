/**
 * The Redis bus of a scale-out deployment: the Bus interface over Redis, composed of one
 * module per job (keys and messages: redis-channels.ts):
 *   liveness     redis-liveness.ts    heartbeats, which nodes are alive
 *   presence     redis-presence.ts    which nodes hold sessions of which user
 *   fan-out      redis-fanout.ts      committed deliveries to every node, in seq order
 *   revocation   redis-revocation.ts  token revocations to every node
 *   settings     redis-settings.ts    the settings every node must share
 *   status       redis-status.ts      custom statuses and status-change notices
 * Redis is only a transport: everything that must survive is in the store (the per-user
 * event log), so what Redis loses is recovered by clients resuming from their last event seq.
 *
 * This file keeps the connections and what happens when they break. A gap in a user's
 * seqs that is not filled within holdMs (the publishing node died between commit and
 * publish, or Redis lost the message) ends that user's local sessions with 1012: the SDK
 * reconnects and replays exactly what it missed. When the bus itself reconnects to Redis,
 * every local session is ended the same way.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Bus, Delivery, Revocation, RevocationListener, SessionSink } from './types.ts';
import { closeForResync, DEFAULT_HOLD_MS } from './delivery-order.ts';
import { LocalSessions } from './local-sessions.ts';
import { parseMessage, RedisNames } from './redis-channels.ts';
import { redisClient } from './redis-client.ts';
import { Fanout } from './redis-fanout.ts';
import { Liveness } from './redis-liveness.ts';
import { PRESENCE_TTL_MS, Presence } from './redis-presence.ts';
import { coveredSessions, Revocations } from './redis-revocation.ts';
import { LIVE_NODES, LOOKUP, REGISTER } from './redis-scripts.ts';
import { compareSettings, type SettingDifference } from './redis-settings.ts';
import { RedisStatusBoard } from './redis-status.ts';

export interface RedisBusOptions {
  nodeID: string;
  log: Logger;
  maxSessionsPerUser: number;
  /**
   * The user's current event seq in the store (the baseline for ordered delivery).
   * Without it a user's first delivery on this node is taken as the baseline.
   */
  seqOf?: (userID: string) => Promise<number>;
  /** Key and channel prefix; default 'ringlet:'. */
  prefix?: string;
  /** Heartbeat period; default 1000 ms. */
  heartbeatMs?: number;
  /** A node whose heartbeat is older than this is dead; default 5000 ms. */
  nodeTtlMs?: number;
  /** How long an out-of-order event waits for the ones before it; default 1500 ms. */
  holdMs?: number;
  /** Redis command timeout; default 3000 ms. */
  commandTimeoutMs?: number;
}

type Opts = Required<Omit<RedisBusOptions, 'seqOf'>> & Pick<RedisBusOptions, 'seqOf'>;

export class RedisBus implements Bus {
  readonly #o: Opts;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #names: RedisNames;
  readonly #sessions: LocalSessions;
  readonly #liveness: Liveness;
  readonly #presence: Presence;
  readonly #fanout: Fanout;
  readonly #revocations: Revocations;
  /** Custom statuses and status-change notices (presence/status-service.ts listens). */
  readonly status: RedisStatusBoard;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  #onNodesDied: (() => void) | null = null;
  /** Users whose remote deliveries failed to publish; told to every node once Redis is back. */
  #failed = new Set<string>();
  #pubLost = false;
  #subLost = false;
  #auditing = false;
  #refreshedAt = Date.now();
  /** Counters for tests, benches and logs. */
  readonly stats: { readonly published: number; readonly received: number; resyncs: number; publishFailures: number; readonly gapsFilled: number };

  private constructor(url: string, o: Opts) {
    this.#o = o;
    this.#names = new RedisNames(o.prefix, o.nodeID);
    this.#sessions = new LocalSessions(o.maxSessionsPerUser);
    // Commands issued in one turn of the event loop (a storm's presence registrations) leave in one write.
    this.#pub = redisClient(url, `ringlet-${o.nodeID}-pub`, { commandTimeout: o.commandTimeoutMs, enableAutoPipelining: true });
    this.#sub = redisClient(url, `ringlet-${o.nodeID}-sub`, { autoResubscribe: false });
    this.#pub.defineCommand('ringletLookup', { lua: LOOKUP });
    this.#pub.defineCommand('ringletRegister', { numberOfKeys: 1, lua: REGISTER });
    this.#pub.defineCommand('ringletLiveNodes', { numberOfKeys: 1, lua: LIVE_NODES });
    this.#liveness = new Liveness(this.#pub, this.#names, o.nodeTtlMs);
    this.#presence = new Presence(this.#pub, this.#names, { maxPerUser: o.maxSessionsPerUser, nodeTtlMs: o.nodeTtlMs });
    const failed = (err: unknown, users: readonly string[]) => this.#publishFailed(err, users);
    const fanout = (this.#fanout = new Fanout({
      pub: this.#pub, names: this.#names, presence: this.#presence, sessions: this.#sessions, seqOf: o.seqOf, holdMs: o.holdMs, failed,
      gap: (user, state) => {
        o.log.warn({ user, ...state }, 'missing event never arrived; user sessions resync');
        this.#resyncUsers([user], 'event gap');
      },
    }));
    this.#revocations = new Revocations(this.#pub, this.#names, failed);
    this.status = new RedisStatusBoard(this.#pub, this.#names);
    this.stats = {
      resyncs: 0, publishFailures: 0,
      get published(): number {
        return fanout.published;
      },
      get received(): number {
        return fanout.received;
      },
      get gapsFilled(): number {
        return fanout.order.gapsFilled;
      },
    };
  }

  /** Connects both Redis connections, subscribes this node's channels and starts the heartbeat. */
  static async connect(url: string, options: RedisBusOptions): Promise<RedisBus> {
    const o = {
      prefix: 'ringlet:', heartbeatMs: 1000, nodeTtlMs: 5000, holdMs: DEFAULT_HOLD_MS, commandTimeoutMs: 3000,
      ...options,
    };
    const bus = new RedisBus(url, o);
    try {
      await bus.#start();
    } catch (err) {
      bus.#pub.disconnect();
      bus.#sub.disconnect();
      throw err;
    }
    return bus;
  }

  get nodeID(): string {
    return this.#o.nodeID;
  }

  async #start(): Promise<void> {
    const { log } = this.#o;
    this.#pub.on('error', (err) => log.debug({ err }, 'redis (pub) error'));
    this.#sub.on('error', (err) => log.debug({ err }, 'redis (sub) error'));
    this.#sub.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
    this.#pub.on('close', () => {
      if (!this.#closed) this.#pubLost = true;
    });
    this.#sub.on('close', () => {
      if (this.#closed) return;
      this.#subLost = true;
      // Revocations published from now on are missed until the bus is back.
      this.#revocations.forget(null);
    });
    this.#pub.on('ready', () => void this.#onPubReady());
    this.#sub.on('ready', () => void this.#onSubReady());
    await Promise.all([this.#pub.connect(), this.#sub.connect()]);
    await this.#liveness.beat();
    await this.#sub.subscribe(...this.#channels);
    this.#pubLost = false;
    this.#subLost = false;
    this.#heartbeat = setInterval(() => void this.#tick(), this.#o.heartbeatMs);
    this.#heartbeat.unref();
  }

  get #channels(): string[] {
    return [this.#names.deliver(this.#o.nodeID), this.#names.revoked, this.#names.resync, this.#names.status];
  }

  async #tick(): Promise<void> {
    try {
      await this.#liveness.beat();
      const dead = await this.#liveness.dead();
      if (dead.length > 0) {
        this.#o.log.warn({ dead }, 'nodes stopped heartbeating; checking local users for lost events');
        void this.#audit();
        // Their users' sessions are gone without a word: every status may have changed.
        this.#onNodesDied?.();
      }
      if (Date.now() - this.#refreshedAt > PRESENCE_TTL_MS / 3) {
        this.#refreshedAt = Date.now();
        await this.#presence.refresh([...this.#sessions.users()]);
      }
      // A command failed while the connection stayed up (timeout): recover as after a reconnect.
      if (this.#pubLost && this.#pub.status === 'ready') await this.#onPubReady();
    } catch {
      /* Redis down: the connection's own retry brings us back */
    }
  }

  /**
   * A node killed between a commit and its publish leaves its last events unpublished; the
   * next event of the same user would reveal the gap, but there may be none. So each user
   * with sessions here is checked against the store once.
   */
  async #audit(): Promise<void> {
    const seqOf = this.#o.seqOf;
    if (!seqOf || this.#auditing) return;
    this.#auditing = true;
    try {
      const order = this.#fanout.order;
      const users = order.positions();
      for (let i = 0; i < users.length && !this.#closed; i += 20) {
        await Promise.all(
          users.slice(i, i + 20).map(async ([user, last]) => {
            const current = await seqOf(user).catch(() => null);
            if (current !== null && current > last) order.expect(user, current);
          }),
        );
      }
    } finally {
      this.#auditing = false;
    }
  }

  async #onPubReady(): Promise<void> {
    if (!this.#pubLost || this.#closed) return;
    this.#pubLost = false;
    await this.#liveness.beat().catch(() => undefined);
    await this.#presence.reassert(this.#sessions.entries());
    if (this.#failed.size > 0) {
      const users = [...this.#failed];
      this.#failed.clear();
      await this.#pub.publish(this.#names.resync, JSON.stringify({ users })).catch(() => users.forEach((u) => this.#failed.add(u)));
      this.#resyncUsers(users, 'deliveries failed to publish');
    }
  }

  async #onSubReady(): Promise<void> {
    if (!this.#subLost || this.#closed) return;
    this.#subLost = false;
    try {
      await this.#sub.subscribe(...this.#channels);
    } catch (err) {
      this.#o.log.warn({ err }, 'redis resubscribe failed');
      this.#subLost = true;
      this.#sub.disconnect(true);
      return;
    }
    // Messages published while this connection was down are gone: every local session
    // may have missed something. They reconnect and replay from the store.
    this.#o.log.warn({ sessions: this.#sessions.count }, 'redis bus reconnected; local sessions resync');
    this.#revocations.forget(null);
    this.#resyncUsers([...this.#sessions.users()], 'bus reconnected');
  }

  // ---- Bus

  async register(session: SessionSink): Promise<void> {
    const user = session.userID;
    // The local limit holds even when Redis cannot be asked.
    for (const oldest of this.#sessions.add(session)) {
      this.#presence.remove(oldest);
      oldest.kick('device_limit');
    }
    const baseline = this.#fanout.order.join(user);
    // Presence first: once it is visible, every later commit for this user is published here.
    try {
      for (const m of await this.#presence.add(session)) this.#kickMember(user, m);
    } catch (err) {
      this.#o.log.warn({ err, user }, 'redis presence update failed; session is local-only until the bus reconnects');
      this.#pubLost = true;
    }
    // Baseline: every seq up to it is in the store and in the session's sync snapshot.
    await baseline();
  }

  unregister(session: SessionSink): void {
    const left = this.#sessions.remove(session);
    if (left === 'absent') return;
    if (left === 'last') this.#fanout.order.leave(session.userID);
    if (!this.#closed) this.#presence.remove(session);
  }

  publish(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    this.#fanout.publish(deliveries, this.#closed);
  }

  revoke(r: Revocation): void {
    this.#revokeLocal(r);
    if (!this.#closed) this.#revocations.send(r);
  }

  watchRevocations(l: RevocationListener): void {
    this.#revocations.watch(l);
  }

  async online(userIDs: readonly string[]): Promise<Set<string>> {
    const out = new Set(userIDs.filter((u) => this.#sessions.has(u)));
    const rest = [...new Set(userIDs.filter((u) => !out.has(u)))];
    if (rest.length === 0 || this.#closed) return out;
    try {
      const nodes = await this.#presence.nodesOf(rest);
      rest.forEach((u, i) => {
        if ((nodes[i]?.length ?? 0) > 0) out.add(u);
      });
    } catch (err) {
      // Degraded: only what this node knows. Nothing is lost but a ring to another node.
      this.#o.log.warn({ err }, 'redis presence lookup failed; answering from local sessions only');
    }
    return out;
  }

  /** Called when nodes stop heartbeating (the statuses of their users changed unannounced). */
  onNodesDied(fn: () => void): void {
    this.#onNodesDied = fn;
  }

  /** Records this node's shared settings and returns where a live node differs (redis-settings.ts). */
  async compareSettings(mine: Record<string, string>): Promise<SettingDifference[]> {
    return compareSettings(this.#pub, this.#names, await this.#liveness.liveNodes(), mine);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.status.close();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#fanout.order.clear();
    try {
      const p = this.#pub.pipeline();
      this.#presence.forget(p, this.#sessions.entries());
      this.#liveness.forget(p);
      p.hdel(this.#names.settings, this.#o.nodeID);
      await p.exec();
    } catch {
      /* Redis gone: the heartbeat expires by itself */
    }
    this.#sessions.clear();
    await Promise.all([quit(this.#sub), quit(this.#pub)]);
  }

  // ---- internals

  #revokeLocal(r: Revocation): void {
    this.#revocations.heard(r);
    for (const s of coveredSessions(this.#sessions, r)) {
      this.unregister(s);
      s.kick('user_sig_expired');
    }
  }

  #publishFailed(err: unknown, users: readonly string[]): void {
    this.stats.publishFailures++;
    for (const u of users) this.#failed.add(u);
    this.#pubLost = true;
    this.#o.log.warn({ err, users: users.length }, 'redis publish failed; those users resync when the bus is back');
  }

  /** A presence member pushed out above the per-user limit: kicked here or on its node. */
  #kickMember(user: string, member: string): void {
    const bar = member.indexOf('|');
    const node = member.slice(0, bar);
    const sessionID = member.slice(bar + 1);
    if (node === this.#o.nodeID) return this.#kickLocal(user, sessionID);
    this.#pub.publish(this.#names.deliver(node), JSON.stringify({ t: 'kick', u: user, s: sessionID })).catch(() => undefined);
  }

  #kickLocal(user: string, sessionID: string): void {
    const s = this.#sessions.find(user, sessionID);
    if (!s) return;
    this.unregister(s);
    s.kick('device_limit');
  }

  #onMessage(channel: string, text: string): void {
    const msg = parseMessage(text);
    if (!msg) return;
    if (channel === this.#names.resync) {
      if (!('users' in msg) || !Array.isArray(msg.users)) return;
      // The node that failed may have failed to publish a revocation of these users too.
      this.#revocations.forget(msg.users);
      this.#resyncUsers(msg.users.filter((u) => this.#sessions.has(u)), 'another node failed to publish');
      return;
    }
    if (channel === this.#names.status) {
      if ('status' in msg && Array.isArray(msg.status)) this.status.heard(msg.status.filter((u): u is string => typeof u === 'string'));
      return;
    }
    if (channel === this.#names.revoked) {
      if ('r' in msg && typeof msg.r?.userID === 'string' && msg.r.userID !== '') this.#revokeLocal(msg.r);
      return;
    }
    if (!('t' in msg)) return;
    if (msg.t === 'd') this.#fanout.receive(msg.d);
    else if (msg.t === 'kick') this.#kickLocal(msg.u, msg.s);
  }

  /** Ends the users' local sessions with 1012: the SDK reconnects and replays from the store. */
  #resyncUsers(users: readonly string[], why: string): void {
    for (const user of users) {
      for (const s of [...(this.#sessions.of(user) ?? [])]) {
        this.stats.resyncs++;
        this.unregister(s);
        closeForResync(s, why);
      }
    }
  }
}

async function quit(r: Redis): Promise<void> {
  try {
    await Promise.race([r.quit(), new Promise((_, rej) => setTimeout(() => rej(new Error('quit timeout')), 1000))]);
  } catch {
    r.disconnect();
  }
}
