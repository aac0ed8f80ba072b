/**
 * Who may open a WebSocket, decided at the HTTP upgrade before any WebSocket or session
 * state exists, per client address (client-address.ts): at most `connectionRate` upgrades
 * per second (token bucket; every attempt counts, refused or not), and at most
 * `unauthenticatedPerIP` sockets that have not logged in yet. Across all addresses at most
 * `unauthenticatedTotal` sockets wait for their login (a share of the descriptor limit,
 * limits/descriptors.ts): at that cap a newcomer from an address holding fewer waiting
 * sockets than the fullest address takes the place of that address's oldest one (which is
 * cut), so a flood from many addresses cannot keep a real user from connecting and logging
 * in; an address holding as many as the fullest is refused. A refused upgrade is answered
 * HTTP 429 with the limit's name (refusal.ts).
 */
import type { ServerLimits } from '../limits/config.ts';
import { TokenBuckets } from '../limits/token-buckets.ts';

export interface AdmissionTicket {
  /** The socket logged in or closed; idempotent. */
  release(): void;
}

export type AdmissionRefusal = 'connection_rate' | 'unauthenticated_sockets' | 'unauthenticated_total';

export type AdmissionLimits = Pick<ServerLimits, 'unauthenticatedPerIP' | 'unauthenticatedTotal' | 'connectionRatePerIP'>;

/** One waiting socket: `cut` closes it when a newcomer takes its place. */
interface Waiting {
  cut(): void;
}

export class Admission {
  readonly #perIP: number;
  readonly #total: number;
  readonly #rate: TokenBuckets;
  /** Waiting sockets per address, oldest first. */
  readonly #pending = new Map<string, Set<Waiting>>();
  #count = 0;
  /** Sockets cut to make room (tests, logs). */
  evicted = 0;

  constructor(limits: AdmissionLimits) {
    this.#perIP = limits.unauthenticatedPerIP;
    this.#total = limits.unauthenticatedTotal;
    this.#rate = new TokenBuckets(limits.connectionRatePerIP);
  }

  /** Sockets waiting for their login now, all addresses. */
  get waiting(): number {
    return this.#count;
  }

  /** A ticket for one more unauthenticated socket from `ip` (`cut` closes it if it must make room), or the limit that refuses it. */
  admit(ip: string, now: number, cut: () => void): AdmissionTicket | AdmissionRefusal {
    if (!this.#rate.tryTake(ip, now)) return 'connection_rate';
    const mine = this.#pending.get(ip)?.size ?? 0;
    if (mine >= this.#perIP) return 'unauthenticated_sockets';
    if (this.#count >= this.#total && !this.#makeRoom(mine)) return 'unauthenticated_total';
    let set = this.#pending.get(ip);
    if (!set) this.#pending.set(ip, (set = new Set()));
    const entry: Waiting = { cut };
    set.add(entry);
    this.#count++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.#count--;
      const s = this.#pending.get(ip);
      s?.delete(entry);
      if (s?.size === 0) this.#pending.delete(ip);
    };
    entry.cut = () => {
      release();
      cut();
    };
    return { release };
  }

  /** Cuts the oldest waiting socket of the fullest address if it holds more than `mine`. */
  #makeRoom(mine: number): boolean {
    let fullest: Set<Waiting> | undefined;
    for (const s of this.#pending.values()) if (!fullest || s.size > fullest.size) fullest = s;
    if (!fullest || fullest.size <= mine) return false;
    const oldest = fullest.values().next().value!;
    this.evicted++;
    oldest.cut();
    return true;
  }
}
