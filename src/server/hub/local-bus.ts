/** The in-process bus of a single-node server. */
import type { Bus, Delivery, Revocation, SessionSink } from './types.ts';

export class LocalBus implements Bus {
  readonly #byUser = new Map<string, Set<SessionSink>>();
  readonly #maxPerUser: number;
  #count = 0;

  constructor(maxSessionsPerUser = 10) {
    this.#maxPerUser = maxSessionsPerUser;
  }

  get localSessionCount(): number {
    return this.#count;
  }

  register(session: SessionSink): void {
    let set = this.#byUser.get(session.userID);
    if (!set) {
      set = new Set();
      this.#byUser.set(session.userID, set);
    }
    set.add(session);
    this.#count++;
    // Oldest first (insertion order): the longest-connected device gives way.
    while (set.size > this.#maxPerUser) {
      const oldest = set.values().next().value as SessionSink;
      this.unregister(oldest);
      oldest.kick('device_limit');
    }
  }

  unregister(session: SessionSink): void {
    const set = this.#byUser.get(session.userID);
    if (set?.delete(session)) {
      this.#count--;
      if (set.size === 0) this.#byUser.delete(session.userID);
    }
  }

  publish(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const set = this.#byUser.get(d.userID);
      if (!set) continue;
      for (const s of set) if (s.id !== d.exceptSession) s.deliver(d);
    }
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
    this.#byUser.clear();
    this.#count = 0;
  }
}
