/**
 * How many logins this node works on at once (from the login frame until the catch-up is
 * sent). Beyond `max`, a login is refused with a time to come back (close code 1013 and
 * `retry:<ms>`, close-codes.ts). Each refused client gets its own slot: after the logins
 * in flight and after the clients refused before it, at the rate this node finished
 * logins while it was busy (with ±10 % jitter), so they come back about as fast as the
 * node can take them and not all at once. The SDK waits that long instead of its own backoff: a
 * node lost in a cluster sends its sessions to the others all at once, and the survivors
 * pace the storm (issue 22).
 */

/**
 * Until the node has been busy, the rate assumed (logins per second). Too high costs a
 * refused client one more refusal; too low sends it away for longer than needed.
 */
const ASSUMED_RATE = 2000;
/** The completion rate is averaged over about this long. */
const RATE_WINDOW_MS = 2000;
/** Every hint is at least this plus the client's slot, and at most MAX_HINT_MS. */
const MIN_HINT_MS = 100;
const MAX_HINT_MS = 60_000;

export interface LoginTicket {
  /** The login finished (or failed, or its socket closed); idempotent. */
  done(): void;
}

export class LoginGate {
  readonly #max: number;
  readonly #random: () => number;
  #inFlight = 0;
  /** Logins finished per second, exponentially averaged. */
  #rate = ASSUMED_RATE;
  #finishedSince = 0;
  #windowStart: number;
  /** Whether the gate was at least half full in this window: only then is the rate a capacity. */
  #busy = false;
  /** The latest slot promised to a refused client (ms, the caller's clock). */
  #horizon = 0;
  refused = 0;

  constructor(max: number, now: number, random: () => number = Math.random) {
    this.#max = max;
    this.#windowStart = now;
    this.#random = random;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** A ticket for one more login, or how many ms the client should wait before it tries again. */
  enter(now: number): LoginTicket | number {
    this.#sample(now);
    if (this.#inFlight * 2 >= this.#max) this.#busy = true;
    if (this.#inFlight >= this.#max) {
      this.refused++;
      const perLogin = 1000 / Math.max(this.#rate, 1);
      this.#horizon = Math.max(this.#horizon, now + this.#inFlight * perLogin) + perLogin;
      const wait = MIN_HINT_MS + (this.#horizon - now) * (0.9 + 0.2 * this.#random());
      return Math.round(Math.min(MAX_HINT_MS, wait));
    }
    this.#inFlight++;
    let held = true;
    return {
      done: () => {
        if (!held) return;
        held = false;
        this.#inFlight--;
        this.#finishedSince++;
      },
    };
  }

  #sample(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    const measured = (this.#finishedSince * 1000) / elapsed;
    // A node that was not busy finished what it was given, which says nothing of what it
    // can do (a quiet hour would have every client of the next storm wait for minutes).
    if (this.#busy && this.#finishedSince > 0) this.#rate = this.#rate / 2 + measured / 2;
    this.#finishedSince = 0;
    this.#windowStart = now;
    this.#busy = this.#inFlight * 2 >= this.#max;
  }
}
