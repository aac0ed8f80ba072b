/** The in-process bus of a single-node server. */
import type { Logger } from '../log.ts';
import { closeForResync, DeliveryOrder, passTo } from './delivery-order.ts';
import { LocalSessions } from './local-sessions.ts';
import type { Bus, Delivery, Revocation, RevocationListener, SessionSink } from './types.ts';

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
  readonly #sessions: LocalSessions;
  readonly #order: DeliveryOrder;
  readonly #watchers: RevocationListener[] = [];

  constructor(options: LocalBusOptions = {}) {
    this.#sessions = new LocalSessions(options.maxSessionsPerUser ?? 10);
    this.#order = new DeliveryOrder({
      seqOf: options.seqOf,
      holdMs: options.holdMs,
      pass: (d) => passTo(this.#sessions.of(d.userID), d),
      gap: (user, state) => {
        options.log?.warn({ user, ...state }, 'missing event never arrived; user sessions resync');
        this.#resync(user);
      },
    });
  }

  /** Resolves once the user's baseline is known: the session reads its catch-up after that. */
  async register(session: SessionSink): Promise<void> {
    // Oldest first (insertion order): the longest-connected device gives way.
    for (const oldest of this.#sessions.add(session)) oldest.kick('device_limit');
    await this.#order.join(session.userID)();
  }

  unregister(session: SessionSink): void {
    if (this.#sessions.remove(session) === 'last') this.#order.leave(session.userID);
  }

  publish(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) if (this.#sessions.has(d.userID)) this.#order.take(d);
  }

  revoke(r: Revocation): void {
    for (const w of this.#watchers) w.revoked(r);
    for (const s of [...(this.#sessions.of(r.userID) ?? [])]) {
      if (!s.revokedBy(r)) continue;
      this.unregister(s);
      s.kick('user_sig_expired');
    }
  }

  watchRevocations(l: RevocationListener): void {
    this.#watchers.push(l);
  }

  async online(userIDs: readonly string[]): Promise<Set<string>> {
    return new Set(userIDs.filter((u) => this.#sessions.has(u)));
  }

  async close(): Promise<void> {
    this.#order.clear();
    this.#sessions.clear();
  }

  #resync(user: string): void {
    for (const s of [...(this.#sessions.of(user) ?? [])]) {
      this.unregister(s);
      closeForResync(s, 'event gap');
    }
  }
}
