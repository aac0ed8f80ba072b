/**
 * The order in which one user's deliveries reach its sessions: stored events strictly in
 * seq order, each once. Publishes do not follow commit order (two transactions' COMMIT
 * replies, a deadline and a request in one SQLite commit group, two nodes), so a delivery
 * that skips ahead is held until the ones before it arrive. Pure: no timers, no I/O; the
 * bus's runner (delivery-order.ts) bounds how long a gap may stay open.
 */
import type { Delivery } from './types.ts';

/** Where a user's ordering stands, for logs. */
export interface OrderState {
  /** Highest seq passed on (every seq up to it was passed or is in the baseline). */
  after: number | null;
  /** Seqs that skipped ahead and wait for the ones before them. */
  held: number[];
  /** A seq known to be committed that has not arrived yet (a node died); null when none. */
  expect: number | null;
}

export class UserOrder {
  #last: number | null = null;
  #expect: number | null = null;
  #ready = false;
  /** Deliveries that came before the baseline was known, in arrival order. */
  #early: Delivery[] = [];
  /** Held deliveries by seq, each followed by the online-only ones published after it. */
  readonly #held = new Map<number, Delivery[]>();
  /** The highest held seq (online-only deliveries queue behind it); -1 when none is held. */
  #tail = -1;

  /** Whether something is missing: the runner bounds how long this may last. */
  get waiting(): boolean {
    return this.#held.size > 0 || (this.#expect !== null && this.#last !== null && this.#last < this.#expect);
  }

  /** The highest seq passed on; null until the baseline is known or, without one, the first stored delivery. */
  get last(): number | null {
    return this.#ready ? this.#last : null;
  }

  get state(): OrderState {
    return { after: this.#last, held: [...this.#held.keys()].sort((a, b) => a - b), expect: this.#expect };
  }

  /**
   * The baseline is known: the user's current seq in the store when ordering began (every
   * seq up to it is in each session's catch-up), or null when it could not be read (the
   * first stored delivery then sets it). Deliveries that waited for it go on now.
   * Returns how many had been held for a gap.
   */
  start(base: number | null, pass: (d: Delivery) => void): number {
    if (this.#ready) return 0;
    this.#ready = true;
    this.#last = base;
    const early = this.#early;
    this.#early = [];
    let filled = 0;
    for (const d of early) filled += this.take(d, pass);
    return filled;
  }

  /**
   * One delivery for this user: passes on whatever may go now, in order. A seq at or below
   * the last passed goes straight on (only the baseline's own events can arrive that late;
   * each session drops what its catch-up held). Returns how many held ones a gap released.
   */
  take(d: Delivery, pass: (d: Delivery) => void): number {
    if (!this.#ready) {
      this.#early.push(d);
      return 0;
    }
    if (d.seq === null) {
      // Online-only: no seq of its own, but never ahead of what was published before it.
      if (this.#tail >= 0) this.#held.get(this.#tail)!.push(d);
      else pass(d);
      return 0;
    }
    this.#last ??= d.seq - 1;
    if (d.seq <= this.#last) {
      pass(d);
      return 0;
    }
    if (d.seq > this.#last + 1) {
      if (!this.#held.has(d.seq)) this.#held.set(d.seq, [d]);
      if (d.seq > this.#tail) this.#tail = d.seq;
      return 0;
    }
    pass(d);
    this.#last = d.seq;
    return this.#release(pass);
  }

  /** `seq` is known to be committed (an audit against the store): until it arrives, a gap is open. */
  expect(seq: number): void {
    if (!this.#ready || this.#last === null || seq <= this.#last) return;
    this.#expect = Math.max(this.#expect ?? 0, seq);
  }

  #release(pass: (d: Delivery) => void): number {
    let filled = 0;
    let next: Delivery[] | undefined;
    while (this.#held.size > 0 && (next = this.#held.get(this.#last! + 1))) {
      this.#held.delete(this.#last! + 1);
      this.#last!++;
      filled++;
      for (const d of next) pass(d);
    }
    if (this.#held.size === 0) this.#tail = -1;
    if (this.#expect !== null && this.#last! >= this.#expect) this.#expect = null;
    return filled;
  }
}
