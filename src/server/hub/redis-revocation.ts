/**
 * Token revocations across nodes: every session covered by a revocation is kicked
 * (`user_sig_expired`), here at once and on each other live node holding a session of the
 * user (looked up in presence). A revoke that fails to publish is reported as a failed
 * delivery: those sessions are ended with a resync once Redis is back, and their
 * reconnect is refused.
 */
import type { Redis } from 'ioredis';
import type { LocalSessions } from './local-sessions.ts';
import type { DeliverMessage, RedisNames } from './redis-channels.ts';
import type { Presence } from './redis-presence.ts';
import type { Revocation, SessionSink } from './types.ts';

export class Revocations {
  readonly #pub: Redis;
  readonly #names: RedisNames;
  readonly #presence: Presence;
  readonly #failed: (err: unknown, users: readonly string[]) => void;

  constructor(pub: Redis, names: RedisNames, presence: Presence, failed: (err: unknown, users: readonly string[]) => void) {
    this.#pub = pub;
    this.#names = names;
    this.#presence = presence;
    this.#failed = failed;
  }

  /** Sends `r` to the other nodes holding sessions of its user. */
  send(r: Revocation): void {
    const msg: DeliverMessage = { t: 'revoke', r };
    this.#presence
      .nodesOf([r.userID])
      .then((nodesPerUser) => {
        for (const node of nodesPerUser[0] ?? []) {
          this.#pub.publish(this.#names.deliver(node), JSON.stringify(msg)).catch((err: unknown) => this.#failed(err, [r.userID]));
        }
      })
      .catch((err: unknown) => this.#failed(err, [r.userID]));
  }
}

/** The local sessions `r` covers (to be unregistered and kicked by the caller). */
export function coveredSessions(sessions: LocalSessions, r: Revocation): SessionSink[] {
  return [...(sessions.of(r.userID) ?? [])].filter((s) => s.revokedBy(r));
}
