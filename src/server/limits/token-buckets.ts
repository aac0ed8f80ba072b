/** One token bucket: `perSecond` tokens a second, holding at most `burst`, full at first. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(o: { perSecond: number; burst: number }, now: number) {
    this.#rate = o.perSecond;
    this.#burst = o.burst;
    this.#tokens = o.burst;
    this.#at = now;
  }

  /** The tokens held at `now` (refilled since the last look). */
  level(now: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (Math.max(0, now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    return this.#tokens;
  }

  /** Takes one token if there is one. */
  tryTakeOne(now: number): boolean {
    if (this.level(now) < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Charges `cost` tokens (may go below zero); a negative cost refunds, up to the burst. */
  take(now: number, cost: number): void {
    this.#tokens = Math.min(this.#burst, this.level(now) - cost);
  }
}

/**
 * Token buckets by key (user ID, address), in memory. `tryTake` charges a request's
 * expected cost before it starts (refused when the bucket does not hold it); `take`
 * settles the difference once the real cost is known (a refund when it was less, a debt
 * when it was more).
 */
export class TokenBuckets {
  readonly #o: { perSecond: number; burst: number };
  readonly #burst: number;
  readonly #buckets = new Map<string, TokenBucket>();
  /** Sweep when the map reaches this size; doubled past what a sweep leaves, so a map of
   * many active keys is not scanned again for every new key. */
  #sweepAt = 10_000;

  constructor(o: { perSecond: number; burst: number }) {
    this.#o = o;
    this.#burst = o.burst;
  }

  /** True when the key holds at least `need` tokens now (at most the burst is ever needed). */
  ready(key: string, now: number, need = 1): boolean {
    const b = this.#buckets.get(key);
    return b === undefined || b.level(now) >= Math.min(need, this.#burst);
  }

  /** Takes `cost` tokens (at most the burst) if the bucket holds them (a request starting); false otherwise. */
  tryTake(key: string, now: number, cost = 1): boolean {
    if (!this.ready(key, now, cost)) return false;
    this.take(key, now, Math.min(cost, this.#burst));
    return true;
  }

  /** Charges `cost` tokens (may go below zero); a negative cost refunds, up to the burst. */
  take(key: string, now: number, cost: number): void {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#sweepAt) {
        this.#sweep(now);
        this.#sweepAt = Math.max(10_000, this.#buckets.size * 2);
      }
      b = new TokenBucket(this.#o, now);
      this.#buckets.set(key, b);
    }
    b.take(now, cost);
  }

  /** Forgets full buckets (they behave exactly like absent ones). */
  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) if (b.level(now) >= this.#burst) this.#buckets.delete(k);
  }
}
