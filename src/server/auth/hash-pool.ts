/**
 * Bounded concurrency for password hashing. scrypt runs on libuv's small thread pool
 * (shared with file and DNS work): unbounded, a flood of sign-in attempts would queue
 * behind itself and starve every other request. Here at most `concurrency` hashes run;
 * the rest wait, in a bounded number of places, and each account and each client
 * address may hold only a few of them. A request over a bound is refused at once (429
 * for its own account/address, 503 when the server as a whole is full). Waiting jobs
 * are served round-robin by a fairness key (the client address): a newcomer from
 * another address waits for the hashes already running, not behind a flood's queue.
 */
import { RetryLater } from './retry-later.ts';

export interface HashPoolOptions {
  concurrency: number;
  /** Running + waiting, process-wide. */
  capacity: number;
}

/** A key (account or address) and how many places it may hold. */
export interface Holder {
  key: string;
  max: number;
}

type Waiting = () => void;

export class HashPool {
  readonly #o: HashPoolOptions;
  readonly #held = new Map<string, number>();
  /** Waiting jobs per fairness key; Map order is the round-robin order. */
  readonly #queues = new Map<string, Waiting[]>();
  #running = 0;
  #admitted = 0;
  /** Observed maxima and refusals, for tests and logs. */
  readonly stats = { maxRunning: 0, maxAdmitted: 0, refusedKey: 0, refusedFull: 0 };

  constructor(o: HashPoolOptions) {
    this.#o = o;
  }

  /**
   * Runs `fn` when a place is free; throws RetryLater at once when a bound is reached.
   * `fairKey` (default: the last holder's key) is what waiting jobs take turns by.
   */
  async run<T>(holders: readonly Holder[], fn: () => Promise<T>, fairKey = holders.at(-1)?.key ?? ''): Promise<T> {
    for (const h of holders) {
      if ((this.#held.get(h.key) ?? 0) >= h.max) {
        this.stats.refusedKey++;
        throw new RetryLater('password_hashing', `too many password checks at once for this ${h.key.split(':')[0]}`, 1, 429);
      }
    }
    if (this.#admitted >= this.#o.capacity) {
      this.stats.refusedFull++;
      throw new RetryLater('password_hashing', 'the server is checking too many passwords', 1, 503);
    }
    this.#admitted++;
    this.stats.maxAdmitted = Math.max(this.stats.maxAdmitted, this.#admitted);
    for (const h of holders) this.#held.set(h.key, (this.#held.get(h.key) ?? 0) + 1);
    try {
      await this.#turn(fairKey);
      try {
        return await fn();
      } finally {
        this.#running--;
        this.#next();
      }
    } finally {
      this.#admitted--;
      for (const h of holders) {
        const n = (this.#held.get(h.key) ?? 1) - 1;
        if (n <= 0) this.#held.delete(h.key);
        else this.#held.set(h.key, n);
      }
    }
  }

  #turn(fairKey: string): Promise<void> {
    if (this.#running < this.#o.concurrency) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let q = this.#queues.get(fairKey);
      if (!q) this.#queues.set(fairKey, (q = []));
      q.push(() => (this.#take(), resolve()));
    });
  }

  /** Starts the first waiter of the next key in turn; that key goes to the back of the line. */
  #next(): void {
    const first = this.#queues.entries().next();
    if (first.done) return;
    const [key, q] = first.value;
    const start = q.shift()!;
    this.#queues.delete(key);
    if (q.length > 0) this.#queues.set(key, q);
    start();
  }

  #take(): void {
    this.#running++;
    this.stats.maxRunning = Math.max(this.stats.maxRunning, this.#running);
  }
}
