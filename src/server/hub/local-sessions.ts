/**
 * The sessions connected to this node, by user: the one map both buses keep (in process
 * and over Redis). Insertion order is connection order, so the oldest session of a user
 * is the first; `add` enforces the per-user limit here, whatever Redis says.
 */
import type { SessionSink } from './types.ts';

export class LocalSessions {
  readonly #byUser = new Map<string, Set<SessionSink>>();
  readonly #maxPerUser: number;
  #count = 0;

  constructor(maxPerUser: number) {
    this.#maxPerUser = maxPerUser;
  }

  /** Sessions connected here. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds a session; returns the oldest sessions of its user above the limit, already
   * removed (the caller kicks them with `device_limit`).
   */
  add(session: SessionSink): SessionSink[] {
    let set = this.#byUser.get(session.userID);
    if (!set) this.#byUser.set(session.userID, (set = new Set()));
    set.add(session);
    this.#count++;
    const out: SessionSink[] = [];
    while (set.size > this.#maxPerUser) {
      const oldest = set.values().next().value as SessionSink;
      this.remove(oldest);
      out.push(oldest);
    }
    return out;
  }

  /** Removes a session: 'absent' (was not here), 'more' (its user has others here) or 'last'. */
  remove(session: SessionSink): 'absent' | 'more' | 'last' {
    const set = this.#byUser.get(session.userID);
    if (!set?.delete(session)) return 'absent';
    this.#count--;
    if (set.size > 0) return 'more';
    this.#byUser.delete(session.userID);
    return 'last';
  }

  has(userID: string): boolean {
    return this.#byUser.has(userID);
  }

  /** The user's sessions here (live view; copy before removing while iterating). */
  of(userID: string): ReadonlySet<SessionSink> | undefined {
    return this.#byUser.get(userID);
  }

  find(userID: string, sessionID: string): SessionSink | undefined {
    for (const s of this.#byUser.get(userID) ?? []) if (s.id === sessionID) return s;
    return undefined;
  }

  users(): IterableIterator<string> {
    return this.#byUser.keys();
  }

  entries(): IterableIterator<[string, ReadonlySet<SessionSink>]> {
    return this.#byUser.entries();
  }

  clear(): void {
    this.#byUser.clear();
    this.#count = 0;
  }
}
