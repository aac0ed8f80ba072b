/** The in-process bus of a single-node server. */
import type { Logger } from '../log.ts';
import { closeForResync, DeliveryOrder, passTo } from './delivery-order.ts';
import type { Bus, Delivery, Revocation, SessionSink } from './types.ts';

export interface LocalBusOptions {
  /** Default 10. */
  maxSessionsPerUser?: number;
  /** The user's current event seq in the store: the baseline of in-order delivery (delivery-order.ts). */
  seqOf?: (userID: string) => Promise<number>;
  /** How long a delivery that skipped ahead waits for the ones before it; default 1500 ms. */
  holdMs?: number;
  log?: Logger;
}

/**
 * Even on one node, publishes do not follow commit order (two PostgreSQL transactions'
 * COMMIT replies; a deadline and a request in one SQLite commit group), so a user's
 * stored events pass through the same ordering step as on the Redis bus.
 */
export class LocalBus implements Bus {
  readonly #byUser = new Map<string, Set<SessionSink>>();
  readonly #maxPerUser: number;
  readonly #order: DeliveryOrder;

  constructor(options: LocalBusOptions = {}) {
    this.#maxPerUser = options.maxSessionsPerUser ?? 10;
    this.#order = new DeliveryOrder({
      seqOf: options.seqOf,
      holdMs: options.holdMs,
      pass: (d) => passTo(this.#byUser.get(d.userID), d),
      gap: (user, state) => {
        options.log?.warn({ user, ...state }, 'missing event never arrived; user sessions resync');
        this.#resync(user);
      },
    });
  }

  /** Resolves once the user's baseline is known: the session reads its catch-up after that. */
  async register(session: SessionSink): Promise<void> {
    let set = this.#byUser.get(session.userID);
    if (!set) {
      set = new Set();
      this.#byUser.set(session.userID, set);
    }
    set.add(session);
    // Oldest first (insertion order): the longest-connected device gives way.
    while (set.size > this.#maxPerUser) {
      const oldest = set.values().next().value as SessionSink;
      this.unregister(oldest);
      oldest.kick('device_limit');
    }
    await this.#order.join(session.userID)();
  }

  unregister(session: SessionSink): void {
    const set = this.#byUser.get(session.userID);
    if (set?.delete(session) && set.size === 0) {
      this.#byUser.delete(session.userID);
      this.#order.leave(session.userID);
    }
  }

  publish(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) if (this.#byUser.has(d.userID)) this.#order.take(d);
  }

  revoke(r: Revocation): void {
    for (const s of [...(this.#byUser.get(r.userID) ?? [])]) {
      if (!s.revokedBy(r)) continue;
      this.unregister(s);
      s.kick('user_sig_expired');
    }
  }

  async online(userIDs: readonly string[]): Promise<Set<string>> {
    return new Set(userIDs.filter((u) => this.#byUser.has(u)));
  }

  async close(): Promise<void> {
    this.#order.clear();
    this.#byUser.clear();
  }

  #resync(user: string): void {
    for (const s of [...(this.#byUser.get(user) ?? [])]) {
      this.unregister(s);
      closeForResync(s, 'event gap');
    }
  }
}
