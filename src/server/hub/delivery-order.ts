/**
 * Runs the per-user ordering step (user-order.ts) for one bus, in-process or Redis: one
 * UserOrder for each user with sessions here, its baseline read from the store when the
 * user's first session registers, and a bound on how long a gap may stay open. A gap that
 * outlives it means an event was committed but will never be published here (its
 * publisher died, or Redis dropped it): the bus then closes that user's sessions with
 * 1012 (CloseCode.RESYNC) and the SDK resumes from the store.
 */
import { CloseCode } from '../../protocol/close-codes.ts';
import type { Delivery, SessionSink } from './types.ts';
import { UserOrder, type OrderState } from './user-order.ts';

/** How long a delivery that skipped ahead waits for the ones before it, by default. */
export const DEFAULT_HOLD_MS = 1500;

export interface DeliveryOrderOptions {
  /** Hands an in-order delivery to the user's sessions here (passTo). */
  pass(d: Delivery): void;
  /** A gap stayed open for holdMs: the bus closes the user's sessions here (closeForResync). */
  gap(userID: string, state: OrderState): void;
  /**
   * The user's current event seq in the store: the baseline. Without it the first stored
   * delivery of each user is taken as the baseline.
   */
  seqOf?: (userID: string) => Promise<number>;
  holdMs?: number;
}

interface Entry {
  order: UserOrder;
  timer: NodeJS.Timeout | null;
  /** Settles once the baseline is set (never rejects). */
  settled: Promise<void> | null;
}

export class DeliveryOrder {
  readonly #o: DeliveryOrderOptions;
  readonly #holdMs: number;
  readonly #users = new Map<string, Entry>();
  /** Held deliveries that went on once the gap before them filled (tests, benches, logs). */
  gapsFilled = 0;

  constructor(options: DeliveryOrderOptions) {
    this.#o = options;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  /**
   * A session of `userID` registers here: its deliveries are ordered from now on (they wait
   * until the baseline is known). Returns the step that reads the baseline, to be awaited
   * once every later commit for the user is sure to be published here (for the Redis bus:
   * once the session's presence is visible). A later session of the user awaits the same
   * read, so every session's catch-up snapshot comes after the baseline.
   */
  join(userID: string): () => Promise<void> {
    let entry = this.#users.get(userID);
    if (!entry) this.#users.set(userID, (entry = { order: new UserOrder(), timer: null, settled: null }));
    const e = entry;
    return () => {
      if (e.settled) return e.settled;
      const read = this.#settle(userID, e);
      e.settled = read.catch(() => undefined);
      return read;
    };
  }

  /** The user's last session here left. */
  leave(userID: string): void {
    const e = this.#users.get(userID);
    if (e?.timer) clearTimeout(e.timer);
    this.#users.delete(userID);
  }

  /** One delivery for a user with sessions here. */
  take(d: Delivery): void {
    const e = this.#users.get(d.userID);
    if (!e) return this.#o.pass(d);
    this.gapsFilled += e.order.take(d, this.#o.pass);
    this.#watch(d.userID, e);
  }

  /** Users with a known position, for an audit against the store. */
  positions(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [user, e] of this.#users) if (e.order.last !== null) out.push([user, e.order.last]);
    return out;
  }

  /** `seq` is committed for `userID` (an audit found it): it must arrive within holdMs. */
  expect(userID: string, seq: number): void {
    const e = this.#users.get(userID);
    if (!e) return;
    e.order.expect(seq);
    this.#watch(userID, e);
  }

  clear(): void {
    for (const e of this.#users.values()) if (e.timer) clearTimeout(e.timer);
    this.#users.clear();
  }

  async #settle(userID: string, e: Entry): Promise<void> {
    let base: number | null = null;
    try {
      if (this.#o.seqOf) base = await this.#o.seqOf(userID);
    } finally {
      if (this.#users.get(userID) === e) {
        this.gapsFilled += e.order.start(base, this.#o.pass);
        this.#watch(userID, e);
      }
    }
  }

  /** Starts the gap's clock when one opens, stops it when none is left. */
  #watch(userID: string, e: Entry): void {
    if (!e.order.waiting) {
      if (e.timer) clearTimeout(e.timer);
      e.timer = null;
      return;
    }
    if (e.timer) return;
    e.timer = setTimeout(() => {
      e.timer = null;
      if (this.#users.get(userID) === e && e.order.waiting) this.#o.gap(userID, e.order.state);
    }, this.#holdMs);
    e.timer.unref?.();
  }
}

/** Hands a delivery to a user's sessions, except the one whose request caused it (it got the response). */
export function passTo(sessions: Iterable<SessionSink> | undefined, d: Delivery): void {
  if (!sessions) return;
  for (const s of sessions) if (s.id !== d.exceptSession) s.deliver(d);
}

/** Ends a session so that its client reconnects and resumes from the store (1012). */
export function closeForResync(s: SessionSink, why: string): void {
  if (s.close) s.close(CloseCode.RESYNC, `resync: ${why}`);
  else s.kick('device_limit');
}
