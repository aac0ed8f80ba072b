/**
 * User status (presence; docs/API.md "Presence"): answers getUserStatus, keeps each
 * session's subscriptions, and tells subscribers of changes. A user is online while any
 * of their sessions is connected (the bus knows, on every node); their custom status
 * (setSelfStatus) lives on the status board. A status is shown only to people the user
 * knows and does not block (store `statusViewers`); everyone else gets UNKNOWN, the same
 * answer as for a user that does not exist. A subscriber who was never shown the status
 * hears nothing of its changes (not even their timing); one who stops being known hears
 * UNKNOWN once, then nothing.
 *
 * Each node hears every "may have changed" notice (login, logout, setSelfStatus, a node
 * dying) and recomputes the status of the users its own sessions watch, one user at a
 * time in notice order: the last recomputation reads after the last change, so what a
 * subscriber ends with is the current status whatever order the notices raced in.
 */
import { limitExceeded } from '../../protocol/errors.ts';
import { serverFrame } from '../../protocol/codec.ts';
import type { OpParams, OpResult } from '../../protocol/ops.ts';
import { USER_STATUS, type UserStatus } from '../../protocol/presence.ts';
import type { Bus, SessionSink, StatusBoard } from '../hub/types.ts';
import type { ServerLimits } from '../limits/config.ts';
import { TokenBuckets } from '../limits/token-buckets.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';

export interface StatusServiceDeps {
  store: Store;
  bus: Bus;
  board: StatusBoard;
  limits: ServerLimits;
  log: Logger;
  clock: () => number;
}

/** Who asks: the user and the session (subscriptions belong to a session). */
export interface LiveCaller {
  userID: string;
  sessionID: string;
}

interface Watcher {
  sink: SessionSink;
  /** Users this session subscribed to. */
  watched: Set<string>;
  /** What this session was last told of each user (`statusType|customStatus`). */
  told: Map<string, string>;
}

const key = (s: UserStatus) => `${s.statusType}|${s.customStatus}`;

export class StatusService {
  readonly #d: StatusServiceDeps;
  /** Live sessions on this node, by session ID. */
  readonly #sessions = new Map<string, Watcher>();
  /** Watched user → session IDs here that watch them (a user's own sessions watch them implicitly). */
  readonly #watchers = new Map<string, Set<string>>();
  /** One recomputation per user at a time, in notice order. */
  readonly #turns = new Map<string, Promise<void>>();
  readonly #rate: TokenBuckets;

  constructor(d: StatusServiceDeps) {
    this.#d = d;
    this.#rate = new TokenBuckets(d.limits.statusRate);
    d.board.watch((users) => this.#changed(users));
  }

  // ---- sessions (gateway/session.ts)

  /** A session is live (registered on the bus): its user may be newly online. */
  attach(sink: SessionSink): void {
    this.#sessions.set(sink.id, { sink, watched: new Set(), told: new Map() });
    this.#watch(sink.userID, sink.id);
    this.#d.board.changed([sink.userID]);
  }

  /** A session ended (after the bus unregistered it): its subscriptions go; its user may be offline now. */
  detach(sink: SessionSink): void {
    const w = this.#sessions.get(sink.id);
    if (!w) return;
    this.#sessions.delete(sink.id);
    for (const u of w.watched) this.#unwatch(u, sink.id);
    this.#unwatch(sink.userID, sink.id);
    const user = sink.userID;
    this.#d.board.changed([user]);
    // The last session anywhere: the custom status goes with it (Tencent clears it after a logout too).
    void this.#d.bus.online([user]).then(async (on) => {
      if (!on.has(user) && (await this.#d.board.custom([user])).has(user)) await this.#d.board.setCustom(user, '');
    }).catch((err: unknown) => this.#d.log.debug({ err, user }, 'clearing a custom status failed'));
  }

  // ---- ops

  async get(c: LiveCaller, p: OpParams<'getUserStatus'>): Promise<OpResult<'getUserStatus'>> {
    return { successUserList: await this.#statuses(c.userID, [...new Set(p.userIDList)]), failureUserList: [] };
  }

  subscribe(c: LiveCaller, p: OpParams<'subscribeUserStatus'>): OpResult<'subscribeUserStatus'> {
    const w = this.#sessions.get(c.sessionID);
    if (!w) return { failureUserList: [] };
    const fresh = [...new Set(p.userIDList)].filter((u) => !w.watched.has(u));
    const max = this.#d.limits.maxStatusSubscriptions;
    if (w.watched.size + fresh.length > max) {
      throw limitExceeded('status_subscriptions', `at most ${max} status subscriptions per session; ${w.watched.size} now, ${fresh.length} more asked; unsubscribe some first`);
    }
    for (const u of fresh) {
      w.watched.add(u);
      this.#watch(u, c.sessionID);
    }
    return { failureUserList: [] };
  }

  unsubscribe(c: LiveCaller, p: OpParams<'unsubscribeUserStatus'>): OpResult<'unsubscribeUserStatus'> {
    const w = this.#sessions.get(c.sessionID);
    if (!w) return { failureUserList: [] };
    for (const u of p.userIDList ?? [...w.watched]) {
      if (!w.watched.delete(u)) continue;
      w.told.delete(u);
      if (u !== c.userID) this.#unwatch(u, c.sessionID);
    }
    return { failureUserList: [] };
  }

  async setSelf(c: LiveCaller, p: OpParams<'setSelfStatus'>): Promise<OpResult<'setSelfStatus'>> {
    const { perSecond, burst } = this.#d.limits.statusRate;
    if (!this.#rate.tryTake(c.userID, this.#d.clock())) throw limitExceeded('status_rate', `at most ${perSecond} status changes per second (burst ${burst}); retry shortly`);
    await this.#d.board.setCustom(c.userID, p.customStatus);
    // The caller is connected: online, with what it just set.
    return { userID: c.userID, statusType: USER_STATUS.ONLINE, customStatus: p.customStatus };
  }

  // ---- internals

  /** Statuses as `viewer` may see them. */
  async #statuses(viewer: string, users: readonly string[]): Promise<UserStatus[]> {
    const others = users.filter((u) => u !== viewer);
    const shown = others.length > 0 ? await this.#d.store.read((tx) => tx.statusShownTo(viewer, others)) : new Set<string>();
    if (users.includes(viewer)) shown.add(viewer);
    const visible = users.filter((u) => shown.has(u));
    const online = await this.#d.bus.online(visible);
    const custom = await this.#d.board.custom(visible.filter((u) => online.has(u)));
    return users.map((u) => {
      if (!shown.has(u)) return unknown(u);
      if (!online.has(u)) return { userID: u, statusType: USER_STATUS.OFFLINE, customStatus: '' };
      return { userID: u, statusType: USER_STATUS.ONLINE, customStatus: custom.get(u) ?? '' };
    });
  }

  #changed(users: readonly string[]): void {
    for (const u of users) {
      if (!this.#watchers.has(u)) continue;
      const before = this.#turns.get(u) ?? Promise.resolve();
      const mine = before.then(() => this.#recompute(u)).catch((err: unknown) => this.#d.log.warn({ err, user: u }, 'status update failed'));
      this.#turns.set(u, mine);
      void mine.then(() => {
        if (this.#turns.get(u) === mine) this.#turns.delete(u);
      });
    }
  }

  /** Every watched user again (nodes died: their users left without a notice). */
  recheckAll(): void {
    this.#changed([...this.#watchers.keys()]);
  }

  async #recompute(user: string): Promise<void> {
    const ids = this.#watchers.get(user);
    if (!ids || ids.size === 0) return;
    const online = (await this.#d.bus.online([user])).has(user);
    const custom = online ? ((await this.#d.board.custom([user])).get(user) ?? '') : '';
    const status: UserStatus = { userID: user, statusType: online ? USER_STATUS.ONLINE : USER_STATUS.OFFLINE, customStatus: custom };
    const viewers = new Set<string>();
    for (const id of ids) {
      const v = this.#sessions.get(id)?.sink.userID;
      if (v !== undefined && v !== user) viewers.add(v);
    }
    const allowed = viewers.size > 0 ? await this.#d.store.read((tx) => tx.statusViewers(user, [...viewers])) : new Set<string>();
    allowed.add(user);
    for (const id of [...(this.#watchers.get(user) ?? [])]) {
      const w = this.#sessions.get(id);
      if (!w) continue;
      const shown = allowed.has(w.sink.userID);
      const seen = shown ? status : unknown(user);
      const k = key(seen);
      const before = w.told.get(user);
      if (before === k) continue;
      // Someone never shown this user's status hears nothing at all: even an UNKNOWN at the
      // moment of a change would tell them the user just logged in or out.
      if (!shown && before === undefined) {
        w.told.set(user, k);
        continue;
      }
      w.told.set(user, k);
      w.sink.deliver({ userID: w.sink.userID, frame: serverFrame.userStatus([seen]), seq: null });
    }
  }

  #watch(user: string, sessionID: string): void {
    let set = this.#watchers.get(user);
    if (!set) this.#watchers.set(user, (set = new Set()));
    set.add(sessionID);
  }

  #unwatch(user: string, sessionID: string): void {
    const set = this.#watchers.get(user);
    if (!set) return;
    // A user's own session keeps watching them while it lives.
    const w = this.#sessions.get(sessionID);
    if (w && w.sink.userID === user) return;
    set.delete(sessionID);
    if (set.size === 0) this.#watchers.delete(user);
  }
}

function unknown(userID: string): UserStatus {
  return { userID, statusType: USER_STATUS.UNKNOWN, customStatus: '' };
}
