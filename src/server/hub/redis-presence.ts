/**
 * Presence: which nodes hold sessions of which user, in Redis (a sorted set per user, see
 * redis-channels.ts). Registering prunes members of dead nodes and returns the members
 * above the per-user limit; lookups skip dead nodes and this one.
 */
import type { Redis } from 'ioredis';
import type { RedisNames } from './redis-channels.ts';
import type { RedisScripts } from './redis-scripts.ts';
import type { SessionSink } from './types.ts';

/** Presence keys expire this long after the last refresh (every third of it by each node). */
export const PRESENCE_TTL_MS = 3600_000;

export class Presence {
  readonly #pub: Redis;
  readonly #names: RedisNames;
  readonly #maxPerUser: number;
  readonly #nodeTtlMs: number;

  constructor(pub: Redis, names: RedisNames, o: { maxPerUser: number; nodeTtlMs: number }) {
    this.#pub = pub;
    this.#names = names;
    this.#maxPerUser = o.maxPerUser;
    this.#nodeTtlMs = o.nodeTtlMs;
  }

  /**
   * Adds a session (refreshing this node's heartbeat on the way); resolves once it is
   * visible to every node, with the members pushed out above the limit (removed already).
   */
  async add(session: SessionSink): Promise<string[]> {
    const n = this.#names;
    const now = Date.now();
    return (await (this.#pub as unknown as RedisScripts).ringletRegister(
      n.presence(session.userID), n.member(session.id), now, this.#maxPerUser,
      n.node(''), n.nodeID, this.#nodeTtlMs, String(now), PRESENCE_TTL_MS,
    )) as string[];
  }

  /** Removes a session (best effort: a leftover member dies with its node's heartbeat or its key's TTL). */
  remove(session: SessionSink): void {
    this.#pub.zrem(this.#names.presence(session.userID), this.#names.member(session.id)).catch(() => undefined);
  }

  /** For each user, the other live nodes holding a session of it. */
  async nodesOf(users: readonly string[]): Promise<string[][]> {
    const keys = users.map((u) => this.#names.presence(u));
    return (await (this.#pub as unknown as RedisScripts).ringletLookup(keys.length, ...keys, this.#names.node(''), this.#names.nodeID)) as string[][];
  }

  /** Writes again the presence of every local session (a restarted Redis forgot it). */
  async reassert(sessions: Iterable<[string, ReadonlySet<SessionSink>]>): Promise<void> {
    const now = Date.now();
    const p = this.#pub.pipeline();
    for (const [user, set] of sessions) {
      for (const s of set) p.zadd(this.#names.presence(user), now, this.#names.member(s.id));
      p.pexpire(this.#names.presence(user), PRESENCE_TTL_MS);
    }
    await p.exec().catch(() => undefined);
  }

  /** Keeps the presence keys of local users from expiring (their TTL only clears leftovers). */
  async refresh(users: readonly string[]): Promise<void> {
    for (let i = 0; i < users.length; i += 1000) {
      const p = this.#pub.pipeline();
      for (const u of users.slice(i, i + 1000)) p.pexpire(this.#names.presence(u), PRESENCE_TTL_MS);
      await p.exec();
    }
  }

  /** Removes every local session's member (a clean stop), in the caller's pipeline. */
  forget(p: ReturnType<Redis['pipeline']>, sessions: Iterable<[string, ReadonlySet<SessionSink>]>): void {
    for (const [user, set] of sessions) for (const s of set) p.zrem(this.#names.presence(user), this.#names.member(s.id));
  }
}
