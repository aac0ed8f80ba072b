/**
 * Who may open a WebSocket, decided at the HTTP upgrade before any WebSocket or session
 * state exists, per client address (client-address.ts): at most `connectionRate` upgrades
 * per second (token bucket; every attempt counts, refused or not), and at most
 * `unauthenticatedPerIP` sockets that have not logged in yet. A refused upgrade is
 * answered HTTP 429 with the limit's name (refusal.ts).
 */
import { TokenBuckets } from '../limits/token-buckets.ts';

export interface AdmissionTicket {
  /** The socket logged in or closed; idempotent. */
  release(): void;
}

export type AdmissionRefusal = 'connection_rate' | 'unauthenticated_sockets';

export interface AdmissionLimits {
  unauthenticatedPerIP: number;
  connectionRatePerIP: { perSecond: number; burst: number };
}

export class Admission {
  readonly #perIP: number;
  readonly #rate: TokenBuckets;
  readonly #pending = new Map<string, number>();

  constructor(limits: AdmissionLimits) {
    this.#perIP = limits.unauthenticatedPerIP;
    this.#rate = new TokenBuckets(limits.connectionRatePerIP);
  }

  /** A ticket for one more unauthenticated socket from `ip`, or the limit that refuses it. */
  admit(ip: string, now: number): AdmissionTicket | AdmissionRefusal {
    if (!this.#rate.tryTake(ip, now)) return 'connection_rate';
    const n = this.#pending.get(ip) ?? 0;
    if (n >= this.#perIP) return 'unauthenticated_sockets';
    this.#pending.set(ip, n + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const left = (this.#pending.get(ip) ?? 1) - 1;
        if (left <= 0) this.#pending.delete(ip);
        else this.#pending.set(ip, left);
      },
    };
  }
}
