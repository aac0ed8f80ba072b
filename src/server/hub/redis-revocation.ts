/**
 * Token revocations across nodes: each one is published to every node (one channel, see
 * redis-channels.ts; revocations are rare), which kicks the sessions it covers
 * (`user_sig_expired`) and tells its watchers (the revocation cache of auth/). A revoke
 * that fails to publish is reported as a failed delivery: once Redis is back every node
 * resyncs that user's sessions (their reconnect is checked against the store) and forgets
 * what it cached of the user.
 */
import type { Redis } from 'ioredis';
import type { LocalSessions } from './local-sessions.ts';
import type { RedisNames, RevokedMessage } from './redis-channels.ts';
import type { Revocation, RevocationListener, SessionSink } from './types.ts';

export class Revocations {
  readonly #pub: Redis;
  readonly #names: RedisNames;
  readonly #failed: (err: unknown, users: readonly string[]) => void;
  readonly #watchers: RevocationListener[] = [];

  constructor(pub: Redis, names: RedisNames, failed: (err: unknown, users: readonly string[]) => void) {
    this.#pub = pub;
    this.#names = names;
    this.#failed = failed;
  }

  watch(l: RevocationListener): void {
    this.#watchers.push(l);
  }

  /** A revocation committed here or on another node. */
  heard(r: Revocation): void {
    for (const w of this.#watchers) w.revoked(r);
  }

  /** What was heard of these users (null: of anyone) may be incomplete. */
  forget(userIDs: readonly string[] | null): void {
    for (const w of this.#watchers) w.forget(userIDs);
  }

  /** Sends `r` to every other node. */
  send(r: Revocation): void {
    const msg: RevokedMessage = { r };
    this.#pub.publish(this.#names.revoked, JSON.stringify(msg)).catch((err: unknown) => this.#failed(err, [r.userID]));
  }
}

/** The local sessions `r` covers (to be unregistered and kicked by the caller). */
export function coveredSessions(sessions: LocalSessions, r: Revocation): SessionSink[] {
  return [...(sessions.of(r.userID) ?? [])].filter((s) => s.revokedBy(r));
}
