/**
 * The Redis bus of a scale-out deployment: presence (which node holds sessions of which
 * user) and cross-node fan-out of committed deliveries. Redis is only a transport:
 * everything that must survive is in the store (the per-user event log), so what Redis
 * loses is recovered by clients resuming from their last event seq.
 *
 * Keys (prefix `ringlet:` by default):
 *   node:<nodeID>      heartbeat of a live node, refreshed every heartbeatMs, expires after
 *                      nodeTtlMs: a node that dies (SIGKILL, host loss) vanishes by itself
 *   presence:<userID>  sorted set of `<nodeID>|<sessionID>` (score: registration time);
 *                      members of dead nodes are ignored and pruned
 *   settings           hash: nodeID → the settings every node must share (JSON), compared
 *                      at start with the live nodes' (compareSettings)
 * Channels:
 *   deliver:<nodeID>   frames for the sessions on that node, device-limit kicks and token
 *                      revocations (the nodes holding the user's sessions are looked up
 *                      in presence, as for frames)
 *   resync             users whose deliveries a node failed to publish (Redis trouble)
 *
 * Delivery order: per user, stored events carry consecutive seqs. Two nodes may publish
 * them in a different order than they were committed, so each node passes a user's
 * events to its sessions strictly in seq order (delivery-order.ts, the same step as the
 * in-process bus) from a baseline read when the user's first local session registers
 * (after its presence is visible, so every later commit is published to this node). A gap
 * that is not filled within holdMs (the publishing node died between commit and publish,
 * or Redis lost the message) ends that user's local sessions with 1012: the SDK
 * reconnects and replays exactly what it missed. When the bus itself reconnects to Redis,
 * every local session is ended the same way.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Bus, Delivery, Revocation, SessionSink } from './types.ts';
import { closeForResync, DEFAULT_HOLD_MS, DeliveryOrder, passTo } from './delivery-order.ts';
import { redisClient } from './redis-client.ts';
import { LIVE_NODES, LOOKUP, REGISTER, type RedisScripts } from './redis-scripts.ts';

/** Presence keys expire this long after the last refresh (every third of it by each node). */
const PRESENCE_TTL_MS = 3600_000;

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

type Wire =
  | { t: 'd'; from: string; d: Delivery[] }
  | { t: 'kick'; u: string; s: string }
  | { t: 'revoke'; r: Revocation };

type Opts = Required<Omit<RedisBusOptions, 'seqOf'>> & Pick<RedisBusOptions, 'seqOf'>;

export class RedisBus implements Bus {
  readonly #o: Opts;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #byUser = new Map<string, Set<SessionSink>>();
  readonly #order: DeliveryOrder;
  #count = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;
  /** Users whose remote deliveries failed to publish; told to every node once Redis is back. */
  #failed = new Set<string>();
  #pubLost = false;
  #subLost = false;
  /** Nodes seen alive at the last heartbeat; one that disappears died. */
  #liveNodes: Set<string> | null = null;
  #auditing = false;
  #refreshedAt = Date.now();
  /** Counters for tests, benches and logs. */
  readonly stats: { published: number; received: number; resyncs: number; publishFailures: number; readonly gapsFilled: number };

  private constructor(url: string, o: Opts) {
    this.#o = o;
    const order = (this.#order = new DeliveryOrder({
      seqOf: o.seqOf,
      holdMs: o.holdMs,
      pass: (d) => passTo(this.#byUser.get(d.userID), d),
      gap: (user, state) => {
        o.log.warn({ user, ...state }, 'missing event never arrived; user sessions resync');
        this.#resyncUsers([user], 'event gap');
      },
    }));
    this.stats = {
      published: 0, received: 0, resyncs: 0, publishFailures: 0,
      get gapsFilled(): number {
        return order.gapsFilled;
      },
    };
    this.#pub = redisClient(url, `ringlet-${o.nodeID}-pub`, { commandTimeout: o.commandTimeoutMs });
    this.#sub = redisClient(url, `ringlet-${o.nodeID}-sub`, { autoResubscribe: false });
    this.#pub.defineCommand('ringletLookup', { lua: LOOKUP });
    this.#pub.defineCommand('ringletRegister', { numberOfKeys: 1, lua: REGISTER });
    this.#pub.defineCommand('ringletLiveNodes', { numberOfKeys: 1, lua: LIVE_NODES });
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

  #key(kind: 'node' | 'presence', id: string): string {
    return `${this.#o.prefix}${kind}:${id}`;
  }
  get #deliverChannel(): string {
    return `${this.#o.prefix}deliver:${this.#o.nodeID}`;
  }
  get #resyncChannel(): string {
    return `${this.#o.prefix}resync`;
  }
  #member(session: SessionSink): string {
    return `${this.#o.nodeID}|${session.id}`;
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
      if (!this.#closed) this.#subLost = true;
    });
    this.#pub.on('ready', () => void this.#onPubReady());
    this.#sub.on('ready', () => void this.#onSubReady());
    await Promise.all([this.#pub.connect(), this.#sub.connect()]);
    await this.#beat();
    await this.#sub.subscribe(this.#deliverChannel, this.#resyncChannel);
    this.#pubLost = false;
    this.#subLost = false;
    this.#heartbeat = setInterval(() => void this.#tick(), this.#o.heartbeatMs);
    this.#heartbeat.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.#beat();
      await this.#watchNodes();
      if (Date.now() - this.#refreshedAt > PRESENCE_TTL_MS / 3) {
        this.#refreshedAt = Date.now();
        await this.#refreshPresence();
      }
      // A command failed while the connection stayed up (timeout): recover as after a reconnect.
      if (this.#pubLost && this.#pub.status === 'ready') await this.#onPubReady();
    } catch {
      /* Redis down: the connection's own retry brings us back */
    }
  }

  async #beat(): Promise<void> {
    await this.#pub
      .multi()
      .set(this.#key('node', this.#o.nodeID), String(Date.now()), 'PX', this.#o.nodeTtlMs)
      .sadd(`${this.#o.prefix}nodes`, this.#o.nodeID)
      .exec();
  }

  /**
   * Notices nodes that died. A node killed between a commit and its publish leaves its
   * last events unpublished; the next event of the same user would reveal the gap, but
   * there may be none. So each user with sessions here is checked against the store once.
   */
  async #watchNodes(): Promise<void> {
    const live = new Set((await (this.#pub as unknown as RedisScripts).ringletLiveNodes(`${this.#o.prefix}nodes`, this.#key('node', ''))) as string[]);
    const before = this.#liveNodes;
    this.#liveNodes = live;
    if (!before) return;
    const dead = [...before].filter((n) => !live.has(n) && n !== this.#o.nodeID);
    if (dead.length === 0) return;
    this.#o.log.warn({ dead }, 'nodes stopped heartbeating; checking local users for lost events');
    void this.#audit();
  }

  async #audit(): Promise<void> {
    const seqOf = this.#o.seqOf;
    if (!seqOf || this.#auditing) return;
    this.#auditing = true;
    try {
      const users = this.#order.positions();
      for (let i = 0; i < users.length && !this.#closed; i += 20) {
        await Promise.all(
          users.slice(i, i + 20).map(async ([user, last]) => {
            const current = await seqOf(user).catch(() => null);
            if (current !== null && current > last) this.#order.expect(user, current);
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
    await this.#beat().catch(() => undefined);
    // Re-assert the presence of every local session (a restarted Redis forgot it).
    await this.#reassertPresence();
    if (this.#failed.size > 0) {
      const users = [...this.#failed];
      this.#failed.clear();
      await this.#pub.publish(this.#resyncChannel, JSON.stringify({ users })).catch(() => users.forEach((u) => this.#failed.add(u)));
      this.#resyncUsers(users, 'deliveries failed to publish');
    }
  }

  async #onSubReady(): Promise<void> {
    if (!this.#subLost || this.#closed) return;
    this.#subLost = false;
    try {
      await this.#sub.subscribe(this.#deliverChannel, this.#resyncChannel);
    } catch (err) {
      this.#o.log.warn({ err }, 'redis resubscribe failed');
      this.#subLost = true;
      this.#sub.disconnect(true);
      return;
    }
    // Messages published while this connection was down are gone: every local session
    // may have missed something. They reconnect and replay from the store.
    this.#o.log.warn({ sessions: this.#count }, 'redis bus reconnected; local sessions resync');
    this.#resyncUsers([...this.#byUser.keys()], 'bus reconnected');
  }

  async #reassertPresence(): Promise<void> {
    const now = Date.now();
    const p = this.#pub.pipeline();
    for (const [user, set] of this.#byUser) {
      for (const s of set) p.zadd(this.#key('presence', user), now, this.#member(s));
      p.pexpire(this.#key('presence', user), PRESENCE_TTL_MS);
    }
    await p.exec().catch(() => undefined);
  }

  /** Keeps the presence keys of local users from expiring (their TTL only clears leftovers). */
  async #refreshPresence(): Promise<void> {
    const users = [...this.#byUser.keys()];
    for (let i = 0; i < users.length; i += 1000) {
      const p = this.#pub.pipeline();
      for (const u of users.slice(i, i + 1000)) p.pexpire(this.#key('presence', u), PRESENCE_TTL_MS);
      await p.exec();
    }
  }

  // ---- Bus

  async register(session: SessionSink): Promise<void> {
    const user = session.userID;
    let set = this.#byUser.get(user);
    if (!set) {
      set = new Set();
      this.#byUser.set(user, set);
    }
    set.add(session);
    this.#count++;
    // The local limit holds even when Redis cannot be asked.
    while (set.size > this.#o.maxSessionsPerUser) {
      const oldest = set.values().next().value as SessionSink;
      this.unregister(oldest);
      oldest.kick('device_limit');
    }
    const baseline = this.#order.join(user);
    // Presence first: once it is visible, every later commit for this user is published here.
    try {
      const excess = (await (this.#pub as unknown as RedisScripts).ringletRegister(
        this.#key('presence', user), this.#member(session), Date.now(), this.#o.maxSessionsPerUser,
        this.#key('node', ''), this.#o.nodeID, this.#o.nodeTtlMs, String(Date.now()), PRESENCE_TTL_MS,
      )) as string[];
      for (const m of excess) this.#kickMember(user, m);
    } catch (err) {
      this.#o.log.warn({ err, user }, 'redis presence update failed; session is local-only until the bus reconnects');
      this.#pubLost = true;
    }
    // Baseline: every seq up to it is in the store and in the session's sync snapshot.
    await baseline();
  }

  unregister(session: SessionSink): void {
    const user = session.userID;
    const set = this.#byUser.get(user);
    if (!set?.delete(session)) return;
    this.#count--;
    if (set.size === 0) {
      this.#byUser.delete(user);
      this.#order.leave(user);
    }
    if (!this.#closed) this.#pub.zrem(this.#key('presence', user), this.#member(session)).catch(() => undefined);
  }

  publish(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return;
    for (const d of deliveries) this.#deliverLocal(d);
    if (this.#closed) return;
    const users = [...new Set(deliveries.map((d) => d.userID))];
    const keys = users.map((u) => this.#key('presence', u));
    // Commands on one connection keep their order, and so do their replies: the PUBLISHes
    // of successive publish() calls leave in the order of the calls.
    (this.#pub as unknown as RedisScripts)
      .ringletLookup(keys.length, ...keys, this.#key('node', ''), this.#o.nodeID)
      .then((nodesPerUser: string[][]) => {
        const byNode = new Map<string, Delivery[]>();
        users.forEach((u, i) => {
          for (const node of nodesPerUser[i] ?? []) {
            let list = byNode.get(node);
            if (!list) byNode.set(node, (list = []));
            for (const d of deliveries) if (d.userID === u) list.push(d);
          }
        });
        for (const [node, d] of byNode) {
          const msg: Wire = { t: 'd', from: this.#o.nodeID, d };
          this.stats.published++;
          this.#pub.publish(`${this.#o.prefix}deliver:${node}`, JSON.stringify(msg)).catch((err: unknown) => this.#publishFailed(err, d.map((x) => x.userID)));
        }
      })
      .catch((err: unknown) => this.#publishFailed(err, users));
  }

  revoke(r: Revocation): void {
    this.#revokeLocal(r);
    if (this.#closed) return;
    const key = this.#key('presence', r.userID);
    (this.#pub as unknown as RedisScripts)
      .ringletLookup(1, key, this.#key('node', ''), this.#o.nodeID)
      .then((nodesPerUser: string[][]) => {
        const msg: Wire = { t: 'revoke', r };
        for (const node of nodesPerUser[0] ?? []) {
          // A lost revoke ends the user's sessions there with a resync: their reconnect is refused.
          this.#pub.publish(`${this.#o.prefix}deliver:${node}`, JSON.stringify(msg)).catch((err: unknown) => this.#publishFailed(err, [r.userID]));
        }
      })
      .catch((err: unknown) => this.#publishFailed(err, [r.userID]));
  }

  #revokeLocal(r: Revocation): void {
    for (const s of [...(this.#byUser.get(r.userID) ?? [])]) {
      if (!s.revokedBy(r)) continue;
      this.unregister(s);
      s.kick('user_sig_expired');
    }
  }

  async online(userIDs: readonly string[]): Promise<Set<string>> {
    const out = new Set(userIDs.filter((u) => this.#byUser.has(u)));
    const rest = [...new Set(userIDs.filter((u) => !out.has(u)))];
    if (rest.length === 0 || this.#closed) return out;
    try {
      const keys = rest.map((u) => this.#key('presence', u));
      const nodes = (await (this.#pub as unknown as RedisScripts).ringletLookup(keys.length, ...keys, this.#key('node', ''), this.#o.nodeID)) as string[][];
      rest.forEach((u, i) => {
        if ((nodes[i]?.length ?? 0) > 0) out.add(u);
      });
    } catch (err) {
      // Degraded: only what this node knows. Nothing is lost but a ring to another node.
      this.#o.log.warn({ err }, 'redis presence lookup failed; answering from local sessions only');
    }
    return out;
  }

  /**
   * Records this node's share of the settings every node of the cluster must agree on
   * (e.g. whether it has an SFU) and returns where a live node differs. Entries of nodes
   * that are gone are dropped on the way.
   */
  async compareSettings(mine: Record<string, string>): Promise<Array<{ node: string; setting: string; theirs: string | undefined; ours: string | undefined }>> {
    const key = `${this.#o.prefix}settings`;
    await this.#pub.hset(key, this.#o.nodeID, JSON.stringify(mine));
    const all = await this.#pub.hgetall(key);
    const live = new Set((await (this.#pub as unknown as RedisScripts).ringletLiveNodes(`${this.#o.prefix}nodes`, this.#key('node', ''))) as string[]);
    const out: Array<{ node: string; setting: string; theirs: string | undefined; ours: string | undefined }> = [];
    for (const [node, text] of Object.entries(all)) {
      if (node === this.#o.nodeID) continue;
      if (!live.has(node)) {
        await this.#pub.hdel(key, node);
        continue;
      }
      let theirs: Record<string, string> = {};
      try {
        theirs = JSON.parse(text) as Record<string, string>;
      } catch {
        /* a malformed entry differs in every setting */
      }
      for (const setting of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
        if (theirs[setting] !== mine[setting]) out.push({ node, setting, theirs: theirs[setting], ours: mine[setting] });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#order.clear();
    try {
      const p = this.#pub.pipeline();
      for (const [user, set] of this.#byUser) for (const s of set) p.zrem(this.#key('presence', user), this.#member(s));
      p.del(this.#key('node', this.#o.nodeID));
      p.srem(`${this.#o.prefix}nodes`, this.#o.nodeID);
      p.hdel(`${this.#o.prefix}settings`, this.#o.nodeID);
      await p.exec();
    } catch {
      /* Redis gone: the heartbeat expires by itself */
    }
    this.#byUser.clear();
    this.#count = 0;
    await Promise.all([quit(this.#sub), quit(this.#pub)]);
  }

  // ---- internals

  #publishFailed(err: unknown, users: readonly string[]): void {
    this.stats.publishFailures++;
    for (const u of users) this.#failed.add(u);
    this.#pubLost = true;
    this.#o.log.warn({ err, users: users.length }, 'redis publish failed; those users resync when the bus is back');
  }

  #kickMember(user: string, member: string): void {
    const bar = member.indexOf('|');
    const node = member.slice(0, bar);
    const sessionID = member.slice(bar + 1);
    if (node === this.#o.nodeID) {
      const s = [...(this.#byUser.get(user) ?? [])].find((x) => x.id === sessionID);
      if (s) {
        this.unregister(s);
        s.kick('device_limit');
      }
      return;
    }
    const msg: Wire = { t: 'kick', u: user, s: sessionID };
    this.#pub.publish(`${this.#o.prefix}deliver:${node}`, JSON.stringify(msg)).catch(() => undefined);
  }

  #onMessage(channel: string, text: string): void {
    let msg: Wire | { users: string[] };
    try {
      msg = JSON.parse(text) as Wire | { users: string[] };
    } catch {
      return;
    }
    if (channel === this.#resyncChannel) {
      if ('users' in msg && Array.isArray(msg.users)) this.#resyncUsers(msg.users.filter((u) => this.#byUser.has(u)), 'another node failed to publish');
      return;
    }
    if (!('t' in msg)) return;
    if (msg.t === 'd') {
      this.stats.received++;
      for (const d of msg.d) this.#deliverLocal(d);
    } else if (msg.t === 'revoke') {
      if (typeof msg.r?.userID === 'string') this.#revokeLocal(msg.r);
    } else if (msg.t === 'kick') {
      const s = [...(this.#byUser.get(msg.u) ?? [])].find((x) => x.id === msg.s);
      if (s) {
        this.unregister(s);
        s.kick('device_limit');
      }
    }
  }

  #deliverLocal(d: Delivery): void {
    if (this.#byUser.has(d.userID)) this.#order.take(d);
  }

  /** Ends the users' local sessions with 1012: the SDK reconnects and replays from the store. */
  #resyncUsers(users: readonly string[], why: string): void {
    for (const user of users) {
      const set = this.#byUser.get(user);
      if (!set) continue;
      for (const s of [...set]) {
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
