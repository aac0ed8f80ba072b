/**
 * Token buckets by key (user ID), in memory. `ready` asks whether a request may start;
 * `take` charges what it cost afterwards, which may leave a bucket in debt (a request to
 * a big group costs more than one token, known only once its recipients are).
 */
export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(o: { perSecond: number; burst: number }) {
    this.#rate = o.perSecond;
    this.#burst = o.burst;
  }

  /** True when the key has at least one token now. */
  ready(key: string, now: number): boolean {
    const b = this.#buckets.get(key);
    return b === undefined || this.#refill(b, now) >= 1;
  }

  /** Takes one token if there is one (a request starting); false otherwise. */
  tryTake(key: string, now: number): boolean {
    if (!this.ready(key, now)) return false;
    this.take(key, now, 1);
    return true;
  }

  /** Charges `cost` tokens (may go below zero). */
  take(key: string, now: number, cost: number): void {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= 10_000) this.#sweep(now);
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = this.#refill(b, now) - cost;
  }

  #refill(b: { tokens: number; at: number }, now: number): number {
    b.tokens = Math.min(this.#burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.#rate);
    b.at = now;
    return b.tokens;
  }

  /** Forgets full buckets (they behave exactly like absent ones). */
  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) if (this.#refill(b, now) >= this.#burst) this.#buckets.delete(k);
  }
}
