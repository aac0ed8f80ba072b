/**
 * Bounded concurrency for password hashing. scrypt runs on libuv's small thread pool
 * (shared with file and DNS work): unbounded, a flood of sign-in attempts would queue
 * behind itself and starve every other request. Here at most `concurrency` hashes run;
 * the rest wait in lanes, each with a bounded number of places:
 * - `device`: sign-ins that present a device token the server issued for that account
 *   (device-tokens.ts), and password changes by a signed-in user. Nobody reaches it
 *   without having signed in to the account before, so a flood of guesses from any number
 *   of addresses never takes its places;
 * - `password`: everything else (new devices, registrations).
 * The lanes take turns when a hash finishes, so each gets at least half of the hashing
 * while both wait. In a lane, each holder (account, address, device) may hold only a few
 * places, and once the lane is half full a holder that already has a place gets no
 * other: the second half is kept for keys holding none, so a newcomer from a quiet
 * address (or for another account) still gets in while many addresses flood. Waiting
 * jobs are served round-robin by a fairness key (the address, or the device): a newcomer
 * waits for one turn of each waiting key, not behind a flood's queue; and jobs from
 * addresses with failed sign-ins in the window wait after the others (HashTier). A request over a
 * bound is refused at once (429 for its own key's share, 503 when the lane is full).
 */
import { RetryLater } from './retry-later.ts';

export type HashLane = 'device' | 'password';

export interface HashPoolOptions {
  concurrency: number;
  /** Places (running + waiting) of each lane, process-wide. */
  capacity: Record<HashLane, number>;
}

/** A key (account, address, device) and how many places of its lane it may hold. */
export interface Holder {
  key: string;
  max: number;
}

type Waiting = () => void;

/** Waiting jobs of one lane and tier per fairness key; Map order is the round-robin order. */
type Queues = Map<string, Waiting[]>;

/**
 * `first`: served before `after` in its lane. Sign-ins from an address that has failed
 * sign-ins in the current window wait `after` the others: during a guessing flood every
 * flooding address has, a quiet one has not.
 */
export type HashTier = 'first' | 'after';

class Lane {
  readonly held = new Map<string, number>();
  readonly queues: Record<HashTier, Queues> = { first: new Map(), after: new Map() };
  admitted = 0;
  constructor(readonly capacity: number) {}
}

export class HashPool {
  readonly #concurrency: number;
  readonly #lanes: Record<HashLane, Lane>;
  /** The lane whose waiter starts next when both have some. */
  #turn: HashLane = 'device';
  #running = 0;
  /** Observed maxima and refusals, for tests and logs. */
  readonly stats = { maxRunning: 0, maxAdmitted: 0, refusedKey: 0, refusedFull: 0 };

  constructor(o: HashPoolOptions) {
    this.#concurrency = o.concurrency;
    this.#lanes = { device: new Lane(o.capacity.device), password: new Lane(o.capacity.password) };
  }

  /**
   * Runs `fn` in `lane` when a place is free; throws RetryLater at once when a bound is
   * reached. `fairKey` (default: the last holder's key) is what waiting jobs take turns by.
   */
  async run<T>(lane: HashLane, holders: readonly Holder[], fn: () => Promise<T>, fairKey = holders.at(-1)?.key ?? '', tier: HashTier = 'first'): Promise<T> {
    const l = this.#lanes[lane];
    const secondHalf = l.admitted >= l.capacity / 2;
    for (const h of holders) {
      const n = l.held.get(h.key) ?? 0;
      if (n >= h.max || (secondHalf && n > 0)) {
        this.stats.refusedKey++;
        throw new RetryLater('password_hashing', `too many password checks at once for this ${h.key.split(':')[0]}`, 1, 429);
      }
    }
    if (l.admitted >= l.capacity) {
      this.stats.refusedFull++;
      throw new RetryLater('password_hashing', 'the server is checking too many passwords', 1, 503);
    }
    l.admitted++;
    this.stats.maxAdmitted = Math.max(this.stats.maxAdmitted, l.admitted);
    for (const h of holders) l.held.set(h.key, (l.held.get(h.key) ?? 0) + 1);
    try {
      await this.#wait(l.queues[tier], fairKey);
      try {
        return await fn();
      } finally {
        this.#running--;
        this.#next();
      }
    } finally {
      l.admitted--;
      for (const h of holders) {
        const n = (l.held.get(h.key) ?? 1) - 1;
        if (n <= 0) l.held.delete(h.key);
        else l.held.set(h.key, n);
      }
    }
  }

  #wait(queues: Queues, fairKey: string): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let q = queues.get(fairKey);
      if (!q) queues.set(fairKey, (q = []));
      q.push(() => (this.#take(), resolve()));
    });
  }

  /** Starts the first waiter of the next key in turn, in the lane whose turn it is (else the other). */
  #next(): void {
    const order: HashLane[] = this.#turn === 'device' ? ['device', 'password'] : ['password', 'device'];
    for (const name of order) {
      const { queues } = this.#lanes[name];
      const tier = queues.first.size > 0 ? queues.first : queues.after;
      const first = tier.entries().next();
      if (first.done) continue;
      const [key, q] = first.value;
      const start = q.shift()!;
      tier.delete(key);
      if (q.length > 0) tier.set(key, q);
      this.#turn = name === 'device' ? 'password' : 'device';
      start();
      return;
    }
  }

  #take(): void {
    this.#running++;
    this.stats.maxRunning = Math.max(this.stats.maxRunning, this.#running);
  }
}
